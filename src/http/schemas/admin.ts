import { z } from 'zod';
import { API_KEY_SCOPES } from '../../spec/api-key-store.js';
import { EpochMs } from './common.js';

export const EraseCounts = z
  .object({ sessions: z.int(), messages: z.int(), memories: z.int(), facts: z.int() })
  .meta({ id: 'EraseCounts', description: 'what was erased' });

export const ApiKeyScope = z.enum(API_KEY_SCOPES as ['read', 'write', 'admin']).meta({ id: 'ApiKeyScope' });

export const ApiKey = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string().nullable(),
    scopes: z.array(ApiKeyScope).readonly(),
    createdAt: EpochMs,
    lastUsedAt: EpochMs.nullable(),
    revokedAt: EpochMs.nullable(),
  })
  .meta({ id: 'ApiKey', description: 'an API key without its secret' });

export const CreateKeyBody = z
  .strictObject({
    scopes: z.array(ApiKeyScope).min(1).max(3),
    name: z.string().min(1).max(128).optional(),
  })
  .meta({ id: 'CreateKey' });

export const CreatedKey = z
  .object({ key: z.string().describe('strata_<id>_<secret>: shown once, store it now'), apiKey: ApiKey })
  .meta({ id: 'CreatedKey' });

export const KeyParams = z.strictObject({ keyId: z.string().min(1).max(64) });

export const ApiKeyList = z.object({ data: z.array(ApiKey) }).meta({ id: 'ApiKeyList' });

export const Health = z
  .object({ status: z.literal('ok'), uptimeMs: z.number(), pid: z.int().describe('the serving process (one of the workers)') })
  .meta({ id: 'Health' });

export const TierState = z
  .looseObject({ status: z.enum(['ready', 'not_ready']), detail: z.string().optional() })
  .meta({ id: 'TierState', description: 'one tier: its status and what was checked' });

export const Readiness = z
  .object({ status: z.enum(['ready', 'not_ready']), tiers: z.record(z.string(), TierState) })
  .meta({ id: 'Readiness' });

export const MemoryModeName = z.enum(['off', 'write_only', 'read_write']).meta({ id: 'MemoryMode' });

export const SetModeBody = z
  .strictObject({
    mode: MemoryModeName.nullable().describe("the tenant's mode; null returns it to the global mode"),
    untilMs: EpochMs.optional().describe('when the mode lapses (a cool-down); omitted: until changed'),
  })
  .meta({ id: 'SetMode' });

export const TenantMode = z
  .object({
    tenantId: z.string(),
    mode: MemoryModeName.describe('in force for the tenant now'),
    global: MemoryModeName,
    override: z.object({ mode: MemoryModeName, until: EpochMs.nullable(), reason: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'TenantMode' });
