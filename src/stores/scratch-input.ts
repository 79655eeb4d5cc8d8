import { checkId, checkKey } from '../core/input.js';
import { invalidInput, StrataError } from '../errors/strata-error.js';
import type { JsonValue } from '../spec/records.js';
import {
  DEFAULT_SCRATCH_TTL_MS,
  MAX_SCRATCH_TTL_MS,
  MAX_SCRATCH_VALUE_CHARS,
  type ScratchOptions,
  type ScratchScope,
} from '../spec/working-memory.js';

/** A scratch write, checked: every WorkingMemoryV1 backend validates the same way before it writes anything. */
export interface CheckedScratch {
  readonly key: string;
  /** The value as JSON text (what is stored). */
  readonly json: string;
  readonly ttlMs: number;
}

export function checkScratchScope(scope: ScratchScope): ScratchScope {
  if (typeof scope !== 'object' || scope === null) throw invalidInput('scope', 'scope must be { tenantId, sessionId }');
  return { tenantId: checkId('tenantId', scope.tenantId), sessionId: checkId('sessionId', scope.sessionId) };
}

export function checkScratchKey(key: unknown): string {
  return checkKey('key', key);
}

export function checkScratch(key: unknown, value: JsonValue, options: ScratchOptions = {}): CheckedScratch {
  const checkedKey = checkScratchKey(key);
  if (value === undefined) throw invalidInput('value', 'value is required');
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw invalidInput('value', 'value must be JSON');
  if (json.length > MAX_SCRATCH_VALUE_CHARS) {
    throw new StrataError('TEXT_TOO_LONG', 'value is too large', { details: { field: 'value', limit: MAX_SCRATCH_VALUE_CHARS } });
  }
  const ttlMs = options.ttlMs ?? DEFAULT_SCRATCH_TTL_MS;
  if (!Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_SCRATCH_TTL_MS) {
    throw invalidInput('ttlMs', `ttlMs must be an integer from 1 to ${MAX_SCRATCH_TTL_MS}`, { limit: MAX_SCRATCH_TTL_MS });
  }
  return { key: checkedKey, json, ttlMs };
}
