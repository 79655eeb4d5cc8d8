import { invalidInput } from '../../errors/strata-error.js';
import type { ExternalWrite } from '../../spec/external-writes.js';
import type { MemoryStoreV1 } from '../../spec/memory-store.js';
import type { MemoryKind, MemoryRecord, MessageRecord } from '../../spec/records.js';
import type { RetentionStoreV1 } from '../../spec/retention-store.js';

export interface RetentionPolicy {
  /** Messages (and their turn memories) older than this many days go, once consolidated. */
  readonly keepTurnsDays?: number | undefined;
  /** Memories (turns, notes, facts, episodes; not summaries) kept per user, best first by importance and recency. */
  readonly maxMemoriesPerUser?: number | undefined;
}

/** A policy file: defaults, overridden field by field per tenant. */
export interface RetentionPolicies {
  readonly defaults?: RetentionPolicy | undefined;
  readonly tenants?: Readonly<Record<string, RetentionPolicy>> | undefined;
}

export interface PruneReport {
  readonly tenantId: string;
  readonly dryRun: boolean;
  readonly policy: RetentionPolicy;
  /** Old messages removed (or that would be) with their turn memories; `heldBack`: old but not consolidated yet, kept. */
  readonly turns: { readonly messages: number; readonly turnMemories: number; readonly heldBack: number };
  /** Memories over the per-user cap; `sample`: the first ids that go. */
  readonly memories: {
    readonly removed: number;
    readonly users: ReadonlyArray<{ userId: string; kept: number; removed: number }>;
    readonly sample: readonly string[];
  };
}

const DAY = 86_400_000;
const CAPPED_KINDS: readonly MemoryKind[] = ['turn', 'note', 'fact', 'episode'];
const PAGE = 1000;

export function policyFor(policies: RetentionPolicies, tenantId: string): RetentionPolicy {
  const policy = { ...policies.defaults, ...policies.tenants?.[tenantId] };
  for (const [field, value] of Object.entries(policy)) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 1)) {
      throw invalidInput(field, `${field} must be a positive integer`);
    }
  }
  return policy;
}

/**
 * Applies one tenant's retention policy: old consolidated turns go (messages with their turn
 * memories), then each user's memories beyond the cap, lowest first by 0.6 importance +
 * 0.4 recency (30-day half-life); superseded or expired ones go before any active one.
 * With `dryRun` it only counts.
 */
export async function prune(
  deps: {
    store: MemoryStoreV1;
    retention: RetentionStoreV1;
    /** Told what each deletion removed beside the store's decorators (MemoryService.afterExternalWrite). */
    afterWrite?: ((write: ExternalWrite) => Promise<void>) | undefined;
    /**
     * Archives each page of old messages before it is deleted (and must have made it durable when
     * it resolves): a page whose archiving fails is not deleted. See cli/commands/prune-archive.ts.
     */
    archive?: ((tenantId: string, messages: readonly MessageRecord[]) => Promise<void>) | undefined;
  },
  tenantId: string,
  policy: RetentionPolicy,
  options: { dryRun?: boolean | undefined; now?: number | undefined } = {},
): Promise<PruneReport> {
  const dryRun = options.dryRun === true;
  const now = options.now ?? Date.now();
  const turns = { messages: 0, turnMemories: 0, heldBack: 0 };
  if (policy.keepTurnsDays !== undefined) {
    const before = now - policy.keepTurnsDays * DAY;
    const counted = await deps.retention.countPrunableMessages(tenantId, before);
    turns.heldBack = counted.unconsolidated;
    if (dryRun) {
      turns.messages = counted.prunable;
      turns.turnMemories = counted.prunable;
    } else {
      for (;;) {
        const page = await deps.retention.listPrunableMessages(tenantId, before, PAGE);
        if (page.length === 0) break;
        await deps.archive?.(tenantId, page);
        const removed = await deps.retention.deleteMessages(
          tenantId,
          page.map((m) => m.id),
        );
        turns.messages += removed.messages;
        turns.turnMemories += removed.memories;
        await deps.afterWrite?.(await prunedWrite(deps.store, tenantId, page));
      }
    }
  }
  const users: Array<{ userId: string; kept: number; removed: number }> = [];
  const sample: string[] = [];
  let removedMemories = 0;
  const cap = policy.maxMemoriesPerUser;
  if (cap !== undefined) {
    for (const userId of await deps.retention.listUsers(tenantId)) {
      const all: MemoryRecord[] = [];
      for (let after: string | undefined; ; ) {
        const page = await deps.store.listMemories(
          { tenantId, userId, kinds: CAPPED_KINDS, includeSuperseded: true },
          { limit: PAGE, after },
        );
        all.push(...page);
        if (page.length < PAGE) break;
        after = page.at(-1)?.id;
      }
      if (all.length <= cap) continue;
      const score = (m: MemoryRecord): number => {
        if (m.supersededBy !== null || (m.validTo !== null && m.validTo <= now)) return Number.NEGATIVE_INFINITY;
        return 0.6 * m.importance + 0.4 * 0.5 ** (Math.max(0, now - m.createdAt) / (30 * DAY));
      };
      const ranked = all.map((m) => ({ m, s: score(m) })).sort((a, b) => b.s - a.s || b.m.createdAt - a.m.createdAt);
      const doomed = ranked.slice(cap).map((r) => r.m.id);
      if (sample.length < 20) sample.push(...doomed.slice(0, 20 - sample.length));
      if (!dryRun) {
        for (let i = 0; i < doomed.length; i += PAGE) await deps.store.deleteMemories(tenantId, doomed.slice(i, i + PAGE));
        // deleteMemories went through the decorators; the user's cached contexts go too.
        await deps.afterWrite?.({ tenantId, users: [userId] });
      }
      users.push({ userId, kept: cap, removed: doomed.length });
      removedMemories += doomed.length;
    }
  }
  return { tenantId, dryRun, policy, turns, memories: { removed: removedMemories, users, sample } };
}

/**
 * What deleting these messages removed: their sessions (cached windows and idempotency keys), the
 * sessions' users, and the messages' turn memories (`msg_<uuid>` has the turn `mem_<uuid>`, see
 * MemoryService.addMessages; an id that names no memory is found absent and costs nothing).
 */
async function prunedWrite(store: MemoryStoreV1, tenantId: string, messages: readonly MessageRecord[]): Promise<ExternalWrite> {
  const sessions = [...new Set(messages.map((m) => m.sessionId))];
  const users = new Set<string>();
  for (const sessionId of sessions) {
    const session = await store.getSession(tenantId, sessionId);
    if (session) users.add(session.userId);
  }
  const memories = messages.flatMap((m) => (m.id.startsWith('msg_') ? [`mem_${m.id.slice(4)}`] : []));
  return { tenantId, sessions, users: [...users], memories };
}
