import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import { acceptsExternalWrites } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import { canReembed, type EmbeddingState } from '../spec/reembed-store.js';
import { type ModelInUse, type ReembedOptions, type ReembedReport, reembed } from './reembed-job.js';
import type { ReembeddableStore } from './verify-model.js';

/** Options of reembedMemory / rollbackMemory: the job's, without what the service supplies. */
export type MemoryReembedOptions = Omit<ReembedOptions, 'store' | 'target' | 'current' | 'onSwitched'>;

/**
 * `strata reembed` over a memory service: the target model comes from the service's registry
 * (ActiveEmbedder.resolve), the current one is the service's active model, and the switch
 * reaches the service at once. The job writes through the durable store under any decorator.
 */
export async function reembedMemory(memory: MemoryService, spec: string, options: MemoryReembedOptions = {}): Promise<ReembedReport> {
  const store = reembeddableStoreOf(memory);
  const current = await currentModel(memory, store);
  const target = { embedder: await memory.activeEmbedder.resolve(spec), spec };
  return run(memory, store, target, current, options);
}

/** `strata reembed --rollback`: back to the previous model (its vectors were kept), embedding only what it lacks. */
export async function rollbackMemory(memory: MemoryService, options: MemoryReembedOptions = {}): Promise<ReembedReport> {
  const store = reembeddableStoreOf(memory);
  const state = await store.getEmbeddingState();
  if (!state.previous) {
    throw new StrataError('INVALID_INPUT', 'nothing to roll back to: no previous embedding model is recorded (or it was cleaned up)', {
      details: { field: 'rollback' },
    });
  }
  const current = await currentModel(memory, store);
  const target = {
    embedder: memory.activeEmbedder.known(state.previous.id) ?? (await memory.activeEmbedder.resolve(state.previous.spec)),
    spec: state.previous.spec,
  };
  return run(memory, store, target, current, options);
}

export interface CleanupReport {
  readonly dropped: string;
  readonly vectors: number;
  readonly state: EmbeddingState;
}

/**
 * `strata reembed --cleanup`: deletes the previous model's vectors (no rollback after this).
 * First embeds with the active model whatever still lacks its vector, so nothing loses its last one.
 */
export async function cleanupMemory(memory: MemoryService, options: MemoryReembedOptions = {}): Promise<CleanupReport> {
  const store = reembeddableStoreOf(memory);
  const state = await store.getEmbeddingState();
  if (!state.active || !state.previous) {
    throw new StrataError('INVALID_INPUT', 'nothing to clean up: no previous embedding model is recorded', {
      details: { field: 'cleanup' },
    });
  }
  const current = await currentModel(memory, store);
  await run(memory, store, current, current, { ...options, sampleSize: 0 });
  const vectors = await store.dropEmbeddings(state.previous.id);
  return { dropped: state.previous.id, vectors, state: await store.getEmbeddingState() };
}

/** The active model's state and how far each model's index covers the memories. */
export async function reembedStatus(memory: MemoryService): Promise<{
  state: EmbeddingState;
  models: Array<{ model: string; memories: number; embedded: number; checkpoint: string | null }>;
}> {
  const store = reembeddableStoreOf(memory);
  const state = await store.getEmbeddingState();
  const ids = [...new Set([memory.embedder.modelId, state.active?.id, state.previous?.id].filter((id): id is string => !!id))];
  const models = await Promise.all(
    ids.map(async (model) => {
      const coverage = await store.countEmbeddings(model);
      const checkpoint = await store.getReembedCheckpoint(model);
      return { model, ...coverage, checkpoint: checkpoint?.cursor ?? null };
    }),
  );
  return { state, models };
}

/**
 * The outermost store that re-embeds: the Qdrant mirror (VectorIndexedStore) when there is one,
 * so the new model's vectors reach its collection too, else the durable store under decorators
 * that leave vectors alone (the Redis tier).
 */
export function reembeddableStoreOf(memory: MemoryService): ReembeddableStore {
  let current: MemoryStoreV1 = memory.store;
  for (;;) {
    if (canReembed(current)) return current as MemoryStoreV1 & ReembeddableStore;
    if (!acceptsExternalWrites(current)) break;
    current = current.inner;
  }
  throw new StrataError('INVALID_CONFIG', 'this store cannot re-embed (SQLite and PostgreSQL can)', { details: { store: 'custom' } });
}

async function currentModel(memory: MemoryService, store: ReembeddableStore): Promise<ModelInUse> {
  const embedder = await memory.activeEmbedder.refresh(true);
  const state = await store.getEmbeddingState();
  const spec = state.active?.id === embedder.modelId ? state.active.spec : (memory.activeEmbedder.specOf(embedder.modelId) ?? '');
  return { embedder, spec };
}

function run(
  memory: MemoryService,
  store: ReembeddableStore,
  target: ModelInUse,
  current: ModelInUse,
  options: MemoryReembedOptions,
): Promise<ReembedReport> {
  return reembed({
    ...options,
    store,
    target,
    current,
    onSwitched: () => memory.activeEmbedder.use(target.embedder),
  });
}
