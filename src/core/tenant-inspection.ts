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

export interface UserScan {
  /** Per user: sessions and the newest activity (session update or memory creation). */
  readonly users: Map<string, { sessions: number; lastActivityAt: number }>;
  /** True when the scan stopped at its limit: users whose only records lie past it are missing. */
  readonly partial: boolean;
}

/**
 * The tenant's users, from its sessions and memories (the store contract has no user table):
 * every session up to SCAN_LIMIT, memories likewise, in pages. Only the service's own tenant is read.
 */
export async function scanTenantUsers(memory: MemoryService): Promise<UserScan> {
  const users = new Map<string, { sessions: number; lastActivityAt: number }>();
  const touch = (userId: string, at: number, session: boolean): void => {
    const entry = users.get(userId) ?? { sessions: 0, lastActivityAt: 0 };
    if (session) entry.sessions += 1;
    entry.lastActivityAt = Math.max(entry.lastActivityAt, at);
    users.set(userId, entry);
  };
  const sessionsDone = await scanPages(
    (after) => memory.listSessions({ limit: PAGE, ...(after === undefined ? {} : { after }) }),
    (session) => touch(session.userId, session.updatedAt, true),
  );
  const memoriesDone = await scanPages(
    (after) => memory.listMemories({ limit: PAGE, ...(after === undefined ? {} : { after }) }),
    (record) => touch(record.userId, record.createdAt, false),
  );
  return { users, partial: !sessionsDone || !memoriesDone };
}

/** Reads pages until the last one (true) or SCAN_LIMIT records (false). */
async function scanPages<T extends { id: string }>(
  page: (after: string | undefined) => Promise<T[]>,
  each: (row: T) => void,
): Promise<boolean> {
  let after: string | undefined;
  for (let read = 0; read < SCAN_LIMIT; ) {
    const rows = await page(after);
    for (const row of rows) each(row);
    read += rows.length;
    if (rows.length < PAGE) return true;
    after = rows[rows.length - 1]?.id;
  }
  return false;
}

/** The tenant's users with exact counts per user (two queries each), by user id. */
export async function listTenantUsers(memory: MemoryService): Promise<UserDirectory> {
  const scan = await scanTenantUsers(memory);
  const users = await Promise.all(
    [...scan.users.entries()].map(async ([userId, entry]): Promise<UserSummary> => {
      const [memories, facts] = await Promise.all([memory.countMemories({ userId }), memory.getFacts({ userId })]);
      return { userId, sessions: entry.sessions, memories, facts: facts.length, lastActivityAt: entry.lastActivityAt };
    }),
  );
  users.sort((a, b) => a.userId.localeCompare(b.userId));
  return { users, partial: scan.partial };
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
