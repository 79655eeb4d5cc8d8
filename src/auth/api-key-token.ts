import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every Strata key starts with this, so that secret scanners can spot a leaked one. */
export const API_KEY_PREFIX = 'strata_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 16 base62 characters: about 95 bits, so ids never collide in practice. */
const ID_LENGTH = 16;
/** 43 base62 characters: about 256 bits of entropy. */
const SECRET_LENGTH = 43;
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}([0-9A-Za-z]{${ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`);
const ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${ID_LENGTH}}$`);

export interface GeneratedKey {
  /** The whole key, `strata_<id>_<secret>`: shown once, never stored. */
  readonly token: string;
  readonly id: string;
  readonly secretHash: string;
}

/** Uniform random base62 characters from the CSPRNG (rejection sampling: no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function generateApiKey(): GeneratedKey {
  const id = randomBase62(ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  return { token: `${API_KEY_PREFIX}${id}_${secret}`, id, secretHash: hashSecret(secret) };
}

/** Splits a presented key into id and secret; null when it is not of the Strata form. */
export function parseApiKey(token: string): { id: string; secret: string } | null {
  const match = KEY_PATTERN.exec(token);
  return match ? { id: match[1] as string, secret: match[2] as string } : null;
}

export function isApiKeyId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** SHA-256 (hex) of a secret: enough for 256-bit random secrets, which no dictionary holds. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
