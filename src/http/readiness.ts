import type { MemoryService } from '../core/memory-service.js';

/** One tier's state, as /ready reports it. */
export interface TierState {
  readonly status: 'ready' | 'not_ready';
  readonly detail?: string;
  readonly [signal: string]: unknown;
}

/** Named checks, one per tier; each must answer quickly and never throw. */
export type ReadinessProbes = Readonly<Record<string, () => Promise<TierState>>>;

/** The tenant readiness checks query: no record ever lives there. */
const PROBE_TENANT = 'strata.readiness';

/** The store answers a (scoped, empty) count. Store-specific probes add more (e.g. migrations). */
export function storeReachableProbe(memory: MemoryService): () => Promise<TierState> {
  return async () => {
    try {
      await memory.forTenant(PROBE_TENANT).countMemories();
      return { status: 'ready', reachable: true };
    } catch (error) {
      return { status: 'not_ready', reachable: false, detail: (error as Error).message };
    }
  };
}

/** The embedder loaded its model and embeds (a cached probe text after the first call). */
export function embedderProbe(memory: MemoryService): () => Promise<TierState> {
  return async () => {
    try {
      await memory.embedder.embedOne('readiness probe');
      return { status: 'ready', loaded: true, model: memory.embedder.modelId, dimensions: memory.embedder.dimensions };
    } catch (error) {
      return { status: 'not_ready', loaded: false, model: memory.embedder.modelId, detail: (error as Error).message };
    }
  };
}

/**
 * The memory mode: always ready (off and write_only are deliberate), reporting the global mode
 * and how many tenants have an override per mode (not which: /ready is public).
 */
export function modesProbe(memory: MemoryService): () => Promise<TierState> {
  return async () => {
    const snapshot = memory.modes.snapshot();
    const overrides: Record<string, number> = {};
    for (const override of Object.values(snapshot.tenants)) overrides[override.mode] = (overrides[override.mode] ?? 0) + 1;
    return { status: 'ready', mode: snapshot.global, tenantOverrides: overrides };
  };
}

export function defaultProbes(memory: MemoryService): ReadinessProbes {
  return { store: storeReachableProbe(memory), embedder: embedderProbe(memory), modes: modesProbe(memory) };
}

/** Runs every probe; ready when all are. A probe that throws counts as not ready. */
export async function checkReadiness(
  probes: ReadinessProbes,
): Promise<{ status: 'ready' | 'not_ready'; tiers: Record<string, TierState> }> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, TierState]> => {
      try {
        return [name, await probe()];
      } catch (error) {
        return [name, { status: 'not_ready', detail: (error as Error).message }];
      }
    }),
  );
  const tiers = Object.fromEntries(entries);
  return { status: entries.every(([, state]) => state.status === 'ready') ? 'ready' : 'not_ready', tiers };
}
