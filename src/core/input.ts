import { invalidInput, StrataError } from '../errors/strata-error.js';
import type { JsonValue, MemoryKind, Metadata, Role } from '../spec/records.js';
import { MEMORY_KINDS } from '../spec/records.js';

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
const ROLES: readonly Role[] = ['user', 'assistant', 'system', 'tool'];

/** Ids (session, user, agent, namespace, clientMsgId, memory): 1-128 of [A-Za-z0-9._:@-], starting alphanumeric. */
export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new StrataError('INVALID_ID', `${field} must be 1-128 characters of A-Z a-z 0-9 . _ : @ - starting with a letter or digit`, {
      details: { field },
    });
  }
  return value;
}

export function optionalId(field: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : checkId(field, value);
}

export function checkText(field: string, value: unknown, maxLength: number): string {
  if (typeof value !== 'string') throw invalidInput(field, `${field} must be a string`);
  if (value.trim().length === 0) throw invalidInput(field, `${field} must not be empty`);
  if (value.length > maxLength) {
    throw new StrataError('TEXT_TOO_LONG', `${field} is ${value.length} characters; the limit is ${maxLength}`, {
      details: { field, limit: maxLength, length: value.length },
    });
  }
  if (value.includes('\u0000')) throw invalidInput(field, `${field} must not contain NUL characters`);
  return value;
}

export function checkRole(field: string, value: unknown): Role {
  if (typeof value !== 'string' || !ROLES.includes(value as Role)) {
    throw invalidInput(field, `${field} must be one of ${ROLES.join(', ')}`);
  }
  return value as Role;
}

export function checkKind(field: string, value: unknown): MemoryKind {
  if (typeof value !== 'string' || !MEMORY_KINDS.includes(value as MemoryKind)) {
    throw invalidInput(field, `${field} must be one of ${MEMORY_KINDS.join(', ')}`);
  }
  return value as MemoryKind;
}

/** Accepts epoch ms, an ISO 8601 string or a Date; returns epoch ms. */
export function checkTime(field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > 253_402_300_799_999) {
    throw invalidInput(field, `${field} must be a valid time (epoch ms, ISO 8601 string or Date)`);
  }
  return Math.trunc(ms);
}

export function checkMetadata(field: string, value: unknown, maxBytes = 16_384): Metadata {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidInput(field, `${field} must be an object`);
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    throw new StrataError('INVALID_INPUT', `${field} must be JSON-serialisable`, { cause, details: { field } });
  }
  if (json.length > maxBytes) {
    throw new StrataError('TEXT_TOO_LONG', `${field} is larger than ${maxBytes} bytes`, { details: { field, limit: maxBytes } });
  }
  return JSON.parse(json) as Metadata;
}

export function checkJsonValue(field: string, value: unknown): JsonValue {
  if (value === undefined) throw invalidInput(field, `${field} is required`);
  const json = JSON.stringify(value);
  if (json === undefined) throw invalidInput(field, `${field} must be JSON`);
  if (json.length > 16_384) throw new StrataError('TEXT_TOO_LONG', `${field} is too large`, { details: { field, limit: 16_384 } });
  return JSON.parse(json) as JsonValue;
}

export function checkTags(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 64) throw invalidInput(field, `${field} must be an array of at most 64 tags`);
  return [
    ...new Set(
      value.map((tag, i) => {
        if (typeof tag !== 'string' || tag.length === 0 || tag.length > 64) {
          throw invalidInput(`${field}[${i}]`, 'a tag must be a string of 1-64 characters');
        }
        return tag;
      }),
    ),
  ];
}

export function checkUnitInterval(field: string, value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalidInput(field, `${field} must be a number from 0 to 1`);
  return value;
}

export function checkPositiveInt(field: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidInput(field, `${field} must be an integer from 1 to ${max}`);
  }
  return value;
}

/** Fact subjects and keys: 1-256 characters, no control characters, not blank. */
export function checkKey(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 256 || /\p{Cc}/u.test(value)) {
    throw invalidInput(field, `${field} must be 1-256 characters without control characters`);
  }
  return value;
}
