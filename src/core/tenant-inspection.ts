import type { FactRecord, FactRule, MemoryKind } from '../spec/records.js';
import { validateAgainstRule } from './fact-rules.js';
import type { MemoryService } from './memory-service.js';

/** One user of a tenant, as the memory inspector lists them. */
export interface UserSummary {
  readonly userId: string;
  readonly sessions: number;
  /** Active memories (superseded and expired ones are not counted). */
  readonly memories: number;
  /** Facts valid now. */
  readonly facts: number;
  /** Newest session update or memory creation (epoch ms). */
  readonly lastActivityAt: number;
}

export interface UserDirectory {
  readonly users: UserSummary[];
  /** True when the scan stopped at its limit: users whose only records lie past it are missing. */
  readonly partial: boolean;
}

/** How many sessions and memories the user scan reads at most (pages of 1000). */
const SCAN_LIMIT = 20_000;
const PAGE = 1000;

/**
 * The tenant's users, from its sessions and memories (the store contract has no user table):
 * every session is read, memories up to SCAN_LIMIT; counts per user are then exact queries.
 * Only the service's own tenant is ever read.
 */
export async function listTenantUsers(memory: MemoryService): Promise<UserDirectory> {
  const seen = new Map<string, { sessions: number; lastActivityAt: number }>();
  const touch = (userId: string, at: number, session: boolean): void => {
    const entry = seen.get(userId) ?? { sessions: 0, lastActivityAt: 0 };
    if (session) entry.sessions += 1;
    entry.lastActivityAt = Math.max(entry.lastActivityAt, at);
    seen.set(userId, entry);
  };
  let partial = false;
  let after: string | undefined;
  for (let read = 0; ; ) {
    const page = await memory.listSessions({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const session of page) touch(session.userId, session.updatedAt, true);
    read += page.length;
    if (page.length < PAGE) break;
    if (read >= SCAN_LIMIT) {
      partial = true;
      break;
    }
    after = page[page.length - 1]?.id;
  }
  after = undefined;
  for (let read = 0; ; ) {
    const page = await memory.listMemories({ limit: PAGE, ...(after === undefined ? {} : { after }) });
    for (const record of page) touch(record.userId, record.createdAt, false);
    read += page.length;
    if (page.length < PAGE) break;
    if (read >= SCAN_LIMIT) {
      partial = true;
      break;
    }
    after = page[page.length - 1]?.id;
  }
  const users = await Promise.all(
    [...seen.entries()].map(async ([userId, entry]): Promise<UserSummary> => {
      const [memories, facts] = await Promise.all([memory.countMemories({ userId }), memory.getFacts({ userId })]);
      return { userId, sessions: entry.sessions, memories, facts: facts.length, lastActivityAt: entry.lastActivityAt };
    }),
  );
  users.sort((a, b) => a.userId.localeCompare(b.userId));
  return { users, partial };
}

/** Memories per kind of one user (or the whole tenant). */
export async function memoryKindCounts(memory: MemoryService, userId?: string): Promise<Record<MemoryKind, number>> {
  const kinds: MemoryKind[] = ['turn', 'summary', 'note', 'fact', 'episode'];
  const counts = await Promise.all(kinds.map((kind) => memory.countMemories({ kinds: [kind], ...(userId ? { userId } : {}) })));
  return Object.fromEntries(kinds.map((kind, index) => [kind, counts[index] ?? 0])) as Record<MemoryKind, number>;
}

export interface FactRuleEntry {
  readonly subject: string;
  readonly key: string;
  readonly rule: FactRule;
}

export interface FactViolation {
  readonly fact: FactRecord;
  readonly severity: 'info' | 'warning' | 'error';
  readonly expected: string | null;
  /** True when this version is the one valid now. */
  readonly current: boolean;
}

export interface FactAudit {
  readonly rules: FactRuleEntry[];
  /** Versions whose value breaks their key's (current) rule, newest recorded first. */
  readonly violations: FactViolation[];
}

/**
 * A user's fact rules and the versions that break them: every version of every key is checked
 * against the key's rule as it stands now. Read-only (no validation metrics are counted).
 */
export async function auditUserFacts(
  memory: MemoryService,
  scope: { userId: string; agentId?: string | undefined; namespace?: string | undefined },
  limit = 50,
): Promise<FactAudit> {
  // Every version of every key: the service has history per key only, so the store is asked (tenant from the service).
  const current = new Set((await memory.getFacts(scope)).map((fact) => fact.id));
  const versions = await memory.store.getFacts({ tenantId: memory.tenantId, ...scope, allVersions: true });
  const rules = new Map<string, FactRuleEntry>();
  const violations: FactViolation[] = [];
  for (const fact of versions) {
    if (!fact.rule) continue;
    rules.set(`${fact.subject}\u0000${fact.key}`, { subject: fact.subject, key: fact.key, rule: fact.rule });
    const result = validateAgainstRule(fact.rule, fact.value);
    if (result.valid || result.severity === 'ok') continue;
    violations.push({ fact, severity: result.severity, expected: result.expected, current: current.has(fact.id) });
  }
  violations.sort((a, b) => b.fact.recordedAt - a.fact.recordedAt);
  return { rules: [...rules.values()], violations: violations.slice(0, limit) };
}
