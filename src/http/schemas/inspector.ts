import { z } from 'zod';
import { ApiKeyScope, MemoryModeName } from './admin.js';
import { EpochMs, Id, MemoryKind } from './common.js';
import { Fact, FactRuleView } from './facts.js';

/** Read-only views the memory inspector (/ui) needs, beside the CRUD routes. */

export const UserSummary = z
  .object({
    userId: z.string(),
    sessions: z.int(),
    memories: z.int().describe('active memories'),
    facts: z.int().describe('facts valid now'),
    lastActivityAt: EpochMs.describe('newest session update or memory'),
  })
  .meta({ id: 'UserSummary' });

export const UserList = z
  .object({
    data: z.array(UserSummary),
    partial: z.boolean().describe('true when the scan stopped at its limit (20,000 sessions or memories)'),
  })
  .meta({ id: 'UserList' });

export const FactAuditQuery = z.strictObject({ userId: Id, agentId: Id.optional(), namespace: Id.optional() });

export const FactAudit = z
  .object({
    rules: z.array(z.object({ subject: z.string(), key: z.string(), rule: FactRuleView })),
    violations: z.array(
      z.object({
        fact: Fact,
        severity: z.enum(['info', 'warning', 'error']),
        expected: z.string().nullable(),
        current: z.boolean().describe('the version valid now'),
      }),
    ),
  })
  .meta({ id: 'FactAudit', description: "the user's rules, and the versions that break them (newest recorded first, at most 50)" });

const Latency = z.object({ meanMs: z.number().nullable(), p95Ms: z.number().nullable() });

export const MetricsPoint = z
  .object({
    at: EpochMs,
    operations: z.record(z.string(), Latency),
    tiers: z.record(z.string(), Latency),
    cacheHitRate: z.record(z.string(), z.number().nullable()),
  })
  .meta({ id: 'MetricsPoint' });

export const TenantStats = z
  .object({
    tenantId: z.string(),
    mode: MemoryModeName,
    counts: z.object({
      users: z.int(),
      sessions: z.int(),
      memories: z.int().describe('active memories'),
      memoriesByKind: z.record(MemoryKind, z.int()),
      partial: z.boolean().describe('users and sessions: true when the scan stopped at its limit (20,000 records)'),
    }),
    process: z
      .object({
        intervalMs: z.int(),
        points: z.array(MetricsPoint),
      })
      .nullable()
      .describe("the process's recent latency and hit rates (every tenant's calls; no counts): null without Prometheus metrics"),
  })
  .meta({ id: 'TenantStats' });

export const Whoami = z
  .object({
    tenantId: z.string(),
    keyId: z.string(),
    scopes: z.array(ApiKeyScope).readonly(),
  })
  .meta({ id: 'Whoami', description: 'the API key of the request: its tenant and scopes' });
