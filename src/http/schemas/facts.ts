import { z } from 'zod';
import { EpochMs, Id, JsonValue, QueryTime, TimeInput } from './common.js';

const FactKey = z.string().min(1).max(256).describe('1-256 characters without control characters');

const FactScope = { userId: Id, agentId: Id.optional(), namespace: Id.optional() };

export const FactRule = z
  .strictObject({
    type: z.enum(['string', 'number', 'integer', 'boolean']).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z.array(JsonValue).max(256).optional(),
    pattern: z.string().min(1).max(256).optional().describe('a regular expression (Unicode mode)'),
    severity: z.enum(['info', 'warning', 'error']).optional().describe('reported on violation; default warning'),
  })
  .meta({ id: 'FactRule' });

/** A stored rule, as responses show it. */
export const FactRuleView = z
  .object({
    type: z.enum(['string', 'number', 'integer', 'boolean']).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z.array(JsonValue).readonly().optional(),
    pattern: z.string().optional(),
    severity: z.enum(['info', 'warning', 'error']).optional(),
  })
  .meta({ id: 'FactRuleView' });

export const SetFactBody = z
  .strictObject({
    ...FactScope,
    subject: FactKey,
    key: FactKey,
    value: JsonValue,
    validFrom: TimeInput.optional().describe('default now'),
    source: z.string().min(1).max(256).optional().describe('e.g. the message id it came from'),
  })
  .meta({ id: 'SetFact' });

export const Fact = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    userId: z.string(),
    agentId: z.string().optional(),
    namespace: z.string().optional(),
    subject: z.string(),
    key: z.string(),
    value: JsonValue,
    validFrom: EpochMs,
    validTo: EpochMs.nullable(),
    recordedAt: EpochMs.describe('when Strata learned it (transaction time)'),
    source: z.string().nullable(),
    rule: FactRuleView.nullable(),
  })
  .meta({ id: 'Fact' });

export const Validation = z
  .object({ valid: z.boolean(), severity: z.enum(['ok', 'info', 'warning', 'error']), expected: z.string().nullable() })
  .meta({ id: 'Validation' });

export const SetFactResponse = z
  .object({
    fact: Fact,
    closed: Fact.nullable().describe('the version whose validity this one ended'),
    created: z.boolean().describe('false when the same value was already current'),
    validation: Validation,
  })
  .meta({ id: 'SetFactResponse' });

export const GetFactsQuery = z.strictObject({
  ...FactScope,
  subject: FactKey.optional(),
  key: FactKey.optional(),
  asOf: QueryTime.optional().describe('valid-time instant; default now'),
});

export const FactHistoryQuery = z.strictObject({ ...FactScope, subject: FactKey, key: FactKey });

export const FactList = z.object({ data: z.array(Fact) }).meta({ id: 'FactList' });

export const SetFactRuleBody = z.strictObject({ ...FactScope, subject: FactKey, key: FactKey, rule: FactRule }).meta({ id: 'SetFactRule' });

export const SetFactRuleResponse = z.object({ ok: z.literal(true), rule: FactRuleView }).meta({ id: 'SetFactRuleResponse' });

export const ValidateFactBody = z
  .strictObject({ ...FactScope, subject: FactKey, key: FactKey, value: JsonValue })
  .meta({ id: 'ValidateFact' });

export const ValidationResult = z
  .object({
    valid: z.boolean(),
    severity: z.enum(['ok', 'info', 'warning', 'error']),
    expected: z.string().nullable(),
    rule: FactRuleView.nullable(),
  })
  .meta({ id: 'ValidationResult' });
