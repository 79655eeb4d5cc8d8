import isSafeRegex from 'safe-regex2';
import { invalidInput } from '../errors/strata-error.js';
import type { FactRule, JsonValue } from '../spec/records.js';

export interface ValidationResult {
  readonly valid: boolean;
  readonly severity: 'ok' | 'info' | 'warning' | 'error';
  /** What the rule expects, in words; null when no rule applies. */
  readonly expected: string | null;
  readonly rule: FactRule | null;
}

/** Checks a value against a fact rule: type, range, enum, pattern. No rule: valid. */
export function validateAgainstRule(rule: FactRule | null, value: JsonValue): ValidationResult {
  if (!rule) return { valid: true, severity: 'ok', expected: null, rule: null };
  const expected: string[] = [];
  let valid = true;
  if (rule.type !== undefined) {
    expected.push(`type ${rule.type}`);
    const ok =
      rule.type === 'integer'
        ? Number.isInteger(value)
        : rule.type === 'number'
          ? typeof value === 'number' && Number.isFinite(value)
          : typeof value === rule.type;
    valid &&= ok;
  }
  if (rule.min !== undefined || rule.max !== undefined) {
    expected.push(`between ${rule.min ?? '-inf'} and ${rule.max ?? '+inf'}`);
    valid &&= typeof value === 'number' && (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
  }
  if (rule.enum !== undefined) {
    expected.push(`one of ${JSON.stringify(rule.enum)}`);
    valid &&= rule.enum.some((option) => JSON.stringify(option) === JSON.stringify(value));
  }
  if (rule.pattern !== undefined) {
    expected.push(`matching /${rule.pattern}/`);
    valid &&= typeof value === 'string' && new RegExp(rule.pattern, 'u').test(value);
  }
  return {
    valid,
    severity: valid ? 'ok' : (rule.severity ?? 'warning'),
    expected: expected.join(', ') || null,
    rule,
  };
}

/** Rejects malformed rules at `setFactRule` time. */
export function checkRule(value: unknown): FactRule {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput('rule', 'rule must be an object');
  const rule = value as Record<string, unknown>;
  const allowed = new Set(['type', 'min', 'max', 'enum', 'pattern', 'severity']);
  for (const key of Object.keys(rule)) if (!allowed.has(key)) throw invalidInput(`rule.${key}`, `unknown rule field ${key}`);
  if (rule.type !== undefined && !['string', 'number', 'integer', 'boolean'].includes(rule.type as string)) {
    throw invalidInput('rule.type', 'rule.type must be string, number, integer or boolean');
  }
  for (const bound of ['min', 'max'] as const) {
    if (rule[bound] !== undefined && (typeof rule[bound] !== 'number' || !Number.isFinite(rule[bound]))) {
      throw invalidInput(`rule.${bound}`, `rule.${bound} must be a number`);
    }
  }
  if (rule.enum !== undefined && (!Array.isArray(rule.enum) || rule.enum.length === 0))
    throw invalidInput('rule.enum', 'rule.enum must be a non-empty array');
  if (rule.pattern !== undefined) {
    if (typeof rule.pattern !== 'string' || rule.pattern.length > 512)
      throw invalidInput('rule.pattern', 'rule.pattern must be a string of at most 512 characters');
    try {
      new RegExp(rule.pattern, 'u');
    } catch {
      throw invalidInput('rule.pattern', 'rule.pattern is not a valid regular expression');
    }
    // Patterns run on every validation: one with nested quantifiers ("(a+)+$") could stall the
    // process for seconds on a crafted value (ReDoS), so such patterns are refused up front.
    if (!isSafeRegex(rule.pattern)) {
      throw invalidInput('rule.pattern', 'rule.pattern has nested or overlapping quantifiers that can take exponential time; simplify it');
    }
  }
  if (rule.severity !== undefined && !['info', 'warning', 'error'].includes(rule.severity as string)) {
    throw invalidInput('rule.severity', 'rule.severity must be info, warning or error');
  }
  return rule as FactRule;
}
