import type { Embedder } from '../embeddings/embedder.js';
import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelSetting, EmbeddingState } from '../spec/reembed-store.js';
import { type ReembeddableStore, type Verification, verifyModel } from './verify-model.js';

/** A model the job embeds with, and the registry name recorded for it (src/config/embedding-models.ts). */
export interface ModelInUse {
  readonly embedder: Embedder;
  readonly spec: string;
}

export interface ReembedOptions {
  /** The durable store (its ReembedStoreV1 side and vector search). */
  readonly store: ReembeddableStore;
  /** The model to build the index of and switch to. */
  readonly target: ModelInUse;
  /** The model in use now: becomes the previous one, and verification compares with it. Null when unknown. */
  readonly current: ModelInUse | null;
  /** Memories per provider call and per write. Default 256. */
  readonly batchSize?: number | undefined;
  /** Build and verify but do not switch. */
  readonly verifyOnly?: boolean | undefined;
  /** Verification queries (memories' texts searched under both models). Default 20. */
  readonly sampleSize?: number | undefined;
  /**
   * After the switch, wait this long (ms) and then embed what was written meanwhile with the old
   * model (by processes that had not yet re-read the active model). Default 0.
   */
  readonly settleMs?: number | undefined;
  /** Stops between batches (the checkpoint is saved): a later run resumes from it. */
  readonly signal?: AbortSignal | undefined;
  /** After each batch written (progress lines; tests interleave searches here). */
  readonly onProgress?: ((progress: ReembedProgress) => void | Promise<void>) | undefined;
  /** Right after the switch committed (the running service switches its embedder at once). */
  readonly onSwitched?: ((state: EmbeddingState) => void) | undefined;
  readonly clock?: (() => number) | undefined;
}

export interface ReembedProgress {
  readonly model: string;
  readonly phase: 'build' | 'catch-up';
  /** Memories with a vector in the target model (counted at the start, plus this run's writes). */
  readonly done: number;
  readonly total: number;
  /** Vectors this run wrote per second. */
  readonly rate: number;
}

export interface ReembedReport {
  readonly model: string;
  readonly from: string | null;
  /** Where this run started: the checkpoint's cursor (null for the start) and what it had embedded. */
  readonly resumedFrom: { readonly cursor: string | null; readonly embedded: number } | null;
  /** Vectors written by this run (provider calls are the embedder's stats). */
  readonly embedded: number;
  readonly verification: Verification;
  readonly switched: boolean;
  readonly state: EmbeddingState;
  readonly seconds: number;
}

const DEFAULT_BATCH = 256;
/** Catch-up passes before a switch that keeps finding new memories gives up. */
const MAX_SWITCH_ATTEMPTS = 5;

/**
 * Blue/green re-embedding (issue #7). Builds the target model's vectors beside the active ones
 * while search keeps answering from the active model:
 *
 * 1. build: pages of memories without a target vector, in the store's cursor order, embedded
 *    and written; the cursor is checkpointed in the store after every batch, so a killed run
 *    resumes there (memories before it that were rewritten meanwhile are caught by step 2);
 * 2. catch-up: the same from the start, for what step 1 could not see (rewrites, writes behind
 *    the cursor), until nothing lacks a vector;
 * 3. verify: every memory has a target vector, and a sample of searches under both models
 *    (verify-model.ts); a count mismatch refuses the switch;
 * 4. switch: one transaction that counts the memories still lacking a vector and, when none do,
 *    updates the store's active-model row (else back to 2, a few times);
 * 5. settle: after `settleMs`, one more catch-up for writes made with the old model by
 *    processes that had not yet seen the switch.
 *
 * The previous model's vectors stay: `rollback` switches back the same way, embedding only
 * what was written since with the new model.
 */
export async function reembed(options: ReembedOptions): Promise<ReembedReport> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const { store, target } = options;
  const model = target.embedder.modelId;
  const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
  const saved = await store.getReembedCheckpoint(model);
  const coverage = await store.countEmbeddings(model);
  let embedded = 0;
  let done = coverage.embedded;
  const progress = async (phase: ReembedProgress['phase']): Promise<void> => {
    const seconds = Math.max(0.001, (clock() - started) / 1000);
    await options.onProgress?.({ model, phase, done, total: coverage.memories, rate: embedded / seconds });
  };
  const pass = async (phase: ReembedProgress['phase'], from: string | null, checkpoint: boolean): Promise<void> => {
    let cursor = from;
    for (;;) {
      if (options.signal?.aborted) throw aborted(model);
      const page = await store.listMemoriesToEmbed(model, cursor, batchSize);
      if (page.items.length > 0) {
        const vectors = await target.embedder.embed(page.items.map((item) => item.text));
        const written = await store.putEmbeddings(
          model,
          page.items.map((item, i) => ({
            tenantId: item.tenantId,
            id: item.id,
            contentHash: item.contentHash,
            vector: vectors[i] as Float32Array,
          })),
        );
        embedded += written;
        done += written;
      }
      cursor = page.next;
      if (checkpoint) {
        await store.putReembedCheckpoint(model, {
          cursor,
          embedded: (saved?.embedded ?? 0) + embedded,
          startedAt: saved?.startedAt ?? started,
          updatedAt: clock(),
        });
      }
      if (page.items.length > 0) await progress(phase);
      if (page.done) return;
    }
  };

  await pass('build', saved?.cursor ?? null, true);
  await pass('catch-up', null, false);
  let verification = await verifyModel(store, target.embedder, options.current?.embedder ?? null, options.sampleSize ?? 20);
  let state = await store.getEmbeddingState();
  let switched = false;
  if (!options.verifyOnly) {
    for (let attempt = 1; !switched; attempt++) {
      if (verification.missing > 0 || verification.failedQueries > 0) {
        if (attempt > MAX_SWITCH_ATTEMPTS || verification.failedQueries > 0) throw refused(model, verification);
        await pass('catch-up', null, false);
        verification = await verifyModel(store, target.embedder, options.current?.embedder ?? null, 0, verification);
        continue;
      }
      const result = await store.switchActiveModel(setting(target), options.current ? setting(options.current) : null);
      state = result.state;
      switched = result.switched;
      if (!switched) verification = { ...verification, missing: result.missing };
    }
    options.onSwitched?.(state);
    await store.putReembedCheckpoint(model, null);
    if ((options.settleMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    await pass('catch-up', null, false);
  }
  return {
    model,
    from: options.current?.embedder.modelId ?? null,
    resumedFrom: saved ? { cursor: saved.cursor, embedded: saved.embedded } : null,
    embedded,
    verification,
    switched,
    state,
    seconds: (clock() - started) / 1000,
  };
}

function setting(model: ModelInUse): EmbeddingModelSetting {
  return { id: model.embedder.modelId, spec: model.spec };
}

function aborted(model: string): StrataError {
  return new StrataError('REEMBED_INCOMPLETE', `re-embedding to ${model} stopped; run it again to resume from its checkpoint`, {
    details: { model, reason: 'aborted' },
  });
}

function refused(model: string, verification: Verification): StrataError {
  const why =
    verification.failedQueries > 0
      ? `${verification.failedQueries} of ${verification.queries} sample searches found nothing under it`
      : `${verification.missing} of ${verification.memories} memories still have no vector in it`;
  return new StrataError('REEMBED_INCOMPLETE', `not switching to ${model}: ${why}`, {
    details: { model, memories: verification.memories, embedded: verification.embedded, missing: verification.missing },
  });
}
