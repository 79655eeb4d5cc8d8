import { createHmac } from 'node:crypto';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { StrataError } from '../errors/strata-error.js';
import type { JsonValue } from '../spec/records.js';
import { findCards, findEmails, findIbans, findIps, findPhones } from './detectors.js';
import {
  DEFAULT_REDACTION_POLICY,
  MASK_STYLES,
  PII_TYPES,
  type PiiSpan,
  type PiiType,
  type Redaction,
  type RedactionCounts,
  type RedactionPolicy,
} from './pii-types.js';

/** On overlap the earlier type wins: an email's digits are not a phone number, an IBAN's are not a card. */
const PRIORITY: readonly PiiType[] = ['email', 'iban', 'card', 'ip', 'phone'];
/** Fewest digits a match of each type has (IPv6 `fe80::1` has some; `::` alone is not redacted). */
const MIN_DIGITS: Record<PiiType, number> = { email: 0, iban: 2, card: 13, ip: 1, phone: 7 };
const TAGS: Record<PiiType, string> = { email: 'EMAIL', phone: 'PHONE', card: 'CARD', iban: 'IBAN', ip: 'IP' };

/**
 * Finds and masks personal data (emails, phone numbers, payment cards, IBANs, IP addresses)
 * before text is stored or embedded. One default policy, overridable per tenant. The original
 * values are never returned, logged or kept: only the masked text and counts per type.
 */
export class Redactor {
  private readonly tenants = new Map<string, RedactionPolicy>();
  private defaultPolicy: RedactionPolicy;

  constructor(policy: Partial<RedactionPolicy> = {}) {
    this.defaultPolicy = checkPolicy({ ...DEFAULT_REDACTION_POLICY, ...policy });
  }

  /** The policy in force for a tenant. */
  policyFor(tenantId: string): RedactionPolicy {
    return this.tenants.get(tenantId) ?? this.defaultPolicy;
  }

  setDefaultPolicy(policy: Partial<RedactionPolicy>): RedactionPolicy {
    this.defaultPolicy = checkPolicy({ ...DEFAULT_REDACTION_POLICY, ...policy });
    return this.defaultPolicy;
  }

  /** Sets a tenant's policy (fields not given come from the default policy); null returns it to the default. */
  setTenantPolicy(tenantId: string, policy: Partial<RedactionPolicy> | null): RedactionPolicy {
    if (policy === null) {
      this.tenants.delete(tenantId);
      return this.defaultPolicy;
    }
    const checked = checkPolicy({ ...this.defaultPolicy, ...policy });
    this.tenants.set(tenantId, checked);
    return checked;
  }

  redact(tenantId: string, text: string): Redaction {
    return redactText(text, this.policyFor(tenantId), tenantId);
  }

  /** Redacts every string inside a JSON value (a fact's value), when the tenant's policy covers facts. */
  redactJson(tenantId: string, value: JsonValue): { value: JsonValue; counts: RedactionCounts } {
    const policy = this.policyFor(tenantId);
    const counts: RedactionCounts = {};
    if (!policy.enabled || !policy.facts) return { value, counts };
    const walk = (v: JsonValue): JsonValue => {
      if (typeof v === 'string') {
        const result = redactText(v, policy, tenantId);
        addCounts(counts, result.counts);
        return result.text;
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner)]));
      return v;
    };
    return { value: walk(value), counts };
  }
}

export function redactText(text: string, policy: RedactionPolicy, tenantId: string): Redaction {
  if (!policy.enabled || policy.types.length === 0) return { text, counts: {} };
  const wanted = new Set(policy.types);
  // Every type but email needs digits (an IBAN 2+, an IPv4 address 4+, a phone 7+, a card 13+; IPv6 usually some):
  // one count skips the detectors that cannot match, which is most of them for most text.
  const digits = countDigits(text);
  const found: PiiSpan[] = [];
  for (const type of PRIORITY) {
    if (!wanted.has(type) || digits < MIN_DIGITS[type]) continue;
    const spans =
      type === 'email'
        ? findEmails(text)
        : type === 'iban'
          ? findIbans(text)
          : type === 'card'
            ? findCards(text)
            : type === 'ip'
              ? findIps(text)
              : findPhones(text, policy.phoneCountries);
    for (const candidate of spans) {
      if (!found.some((taken) => candidate.start < taken.end && taken.start < candidate.end)) found.push(candidate);
    }
  }
  if (found.length === 0) return { text, counts: {} };
  found.sort((a, b) => a.start - b.start);
  const counts: RedactionCounts = {};
  let out = '';
  let at = 0;
  for (const match of found) {
    out += text.slice(at, match.start) + mask(text.slice(match.start, match.end), match, policy, tenantId);
    at = match.end;
    counts[match.type] = (counts[match.type] ?? 0) + 1;
  }
  return { text: out + text.slice(at), counts };
}

function mask(original: string, match: PiiSpan, policy: RedactionPolicy, tenantId: string): string {
  const tag = TAGS[match.type];
  if (policy.style === 'tag') return `[${tag}]`;
  if (policy.style === 'hash') {
    const token = createHmac('sha256', policy.hashKey as string)
      .update(`${tenantId}\u0000${match.type}\u0000${match.canonical}`)
      .digest('hex')
      .slice(0, 12);
    return `[${tag}:${token}]`;
  }
  return partialMask(original, match.type);
}

/** Keeps a hint: the email's first character and domain, a number's last digits, an address's first part. */
function partialMask(original: string, type: PiiType): string {
  switch (type) {
    case 'email': {
      const at = original.lastIndexOf('@');
      return `${original[0]}***${original.slice(at)}`;
    }
    case 'ip':
      return original.includes(':') ? `${original.split(':')[0] || ''}:*` : `${original.split('.')[0]}.*.*.*`;
    case 'iban':
      return keepLast(original, 4, 2);
    case 'card':
      return keepLast(original, 4, 0);
    case 'phone':
      return keepLast(original, 2, 0);
  }
}

/** Masks every letter and digit with `*` except the first `head` and the last `tail`; separators stay. */
function keepLast(original: string, tail: number, head: number): string {
  const positions = [...original].flatMap((char, i) => (/[A-Za-z0-9]/.test(char) ? [i] : []));
  const keep = new Set([...positions.slice(0, head), ...positions.slice(-tail)]);
  return [...original].map((char, i) => (/[A-Za-z0-9]/.test(char) && !keep.has(i) ? '*' : char)).join('');
}

function countDigits(text: string): number {
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 48 && code <= 57) digits++;
  }
  return digits;
}

export function addCounts(into: RedactionCounts, more: RedactionCounts): RedactionCounts {
  for (const [type, n] of Object.entries(more) as Array<[PiiType, number]>) into[type] = (into[type] ?? 0) + n;
  return into;
}

function checkPolicy(policy: RedactionPolicy): RedactionPolicy {
  const problem = (message: string) =>
    new StrataError('INVALID_CONFIG', `redaction policy: ${message}`, { details: { field: 'redaction' } });
  if (typeof policy.enabled !== 'boolean') throw problem('enabled must be true or false');
  if (!Array.isArray(policy.types) || policy.types.some((type) => !PII_TYPES.includes(type))) {
    throw problem(`types must be a list of ${PII_TYPES.join(', ')}`);
  }
  if (!MASK_STYLES.includes(policy.style)) throw problem(`style must be one of ${MASK_STYLES.join(', ')}`);
  if (!Array.isArray(policy.phoneCountries) || policy.phoneCountries.some((country) => !isSupportedCountry(country))) {
    throw problem('phoneCountries must be ISO 3166-1 alpha-2 codes (e.g. GB, US, DE)');
  }
  if (policy.style === 'hash' && (typeof policy.hashKey !== 'string' || policy.hashKey.length < 16)) {
    throw problem('the hash style needs a hashKey of at least 16 characters');
  }
  return Object.freeze({ ...policy, types: [...new Set(policy.types)], phoneCountries: [...new Set(policy.phoneCountries)] });
}
