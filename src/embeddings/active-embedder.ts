import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelSetting, EmbeddingState } from '../spec/reembed-store.js';
import type { Embedder } from './embedder.js';

/** Where the active model is recorded (a ReembedStoreV1). */
export interface ActiveModelSource {
  getEmbeddingState(): Promise<EmbeddingState>;
}

/** Builds the embedder of a model by its registry name (src/config/embedding-models.ts). */
export type EmbedderResolver = (spec: string) => Promise<Embedder>;

export interface ActiveEmbedderOptions {
  readonly source?: ActiveModelSource | undefined;
  /** The registry name of the initial model (recorded with it when a re-embedding switches away from it). */
  readonly spec?: string | undefined;
  readonly resolve?: EmbedderResolver | undefined;
  /** How often the store's active model is re-read before a search or write, ms. Default 2000; 0 = every time. */
  readonly refreshMs?: number | undefined;
  readonly clock?: (() => number) | undefined;
  /** Told when the store names a model this process cannot build (it keeps its current one). */
  readonly onUnresolved?: ((setting: EmbeddingModelSetting, cause: unknown) => void) | undefined;
}

/** Default interval between reads of the store's active model. */
export const ACTIVE_MODEL_REFRESH_MS = 2_000;

/**
 * The embedder of the model the store's index is searched with, which a blue/green
 * re-embedding (src/reembed/) can switch. An operation takes `current` once and uses it for
 * both the vectors and the model id it records, so a switch in the middle of an operation never
 * labels one model's vectors with the other's id.
 *
 * In this process a switch is immediate (`use`). Another process's switch is seen when the
 * store's state row is re-read: at most every `refreshMs`, before a search or write (`refresh`).
 * A model this process cannot build is reported and the current one kept (likewise when the
 * store cannot be read): searches still
 * answer from the old model's vectors, which the switch keeps until `reembed --cleanup`.
 */
export class ActiveEmbedder {
  #current: Embedder;
  readonly #known = new Map<string, Embedder>();
  readonly #specs = new Map<string, string>();
  readonly #source: ActiveModelSource | undefined;
  readonly #resolve: EmbedderResolver | undefined;
  readonly #refreshMs: number;
  readonly #clock: () => number;
  readonly #onUnresolved: ActiveEmbedderOptions['onUnresolved'];
  #checkedAt = Number.NEGATIVE_INFINITY;
  #unresolved: string | null = null;
  #pending: Promise<Embedder> | null = null;

  constructor(initial: Embedder, options: ActiveEmbedderOptions = {}) {
    this.#current = initial;
    this.#known.set(initial.modelId, initial);
    if (options.spec !== undefined) this.#specs.set(initial.modelId, options.spec);
    this.#source = options.source;
    this.#resolve = options.resolve;
    this.#refreshMs = options.refreshMs ?? ACTIVE_MODEL_REFRESH_MS;
    this.#clock = options.clock ?? Date.now;
    this.#onUnresolved = options.onUnresolved;
  }

  get current(): Embedder {
    return this.#current;
  }

  /** Switches in this process at once (and remembers the embedder for a later switch back). */
  use(embedder: Embedder): void {
    this.#known.set(embedder.modelId, embedder);
    this.#current = embedder;
    this.#checkedAt = this.#clock();
  }

  /** An embedder this process may switch to without building it again. */
  know(embedder: Embedder, spec?: string): void {
    this.#known.set(embedder.modelId, embedder);
    if (spec !== undefined) this.#specs.set(embedder.modelId, spec);
  }

  /** The registry name a model id was built from, when this process knows it. */
  specOf(modelId: string): string | undefined {
    return this.#specs.get(modelId);
  }

  /** The embedder of a registry name: known already, or built (INVALID_CONFIG without a resolver). */
  async resolve(spec: string): Promise<Embedder> {
    for (const [id, known] of this.#specs) if (known === spec) return this.#known.get(id) as Embedder;
    if (!this.#resolve) throw new StrataError('INVALID_CONFIG', `no embedding model registry to build ${spec} with`);
    const embedder = await this.#resolve(spec);
    this.know(embedder, spec);
    return embedder;
  }

  /** The known embedder of a model id, if any. */
  known(modelId: string): Embedder | undefined {
    return this.#known.get(modelId);
  }

  /** The current embedder after re-reading the store's active model, when `refreshMs` has passed (or `force`). */
  async refresh(force = false): Promise<Embedder> {
    if (!this.#source) return this.#current;
    if (!force && this.#clock() - this.#checkedAt < this.#refreshMs) return this.#current;
    this.#pending ??= this.#reread().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #reread(): Promise<Embedder> {
    let state: EmbeddingState;
    try {
      state = await (this.#source as ActiveModelSource).getEmbeddingState();
    } catch {
      // The store is unreachable: the operation itself will say so (or degrade); the model stays.
      this.#checkedAt = this.#clock();
      return this.#current;
    }
    this.#checkedAt = this.#clock();
    const active = state.active;
    if (!active || active.id === this.#current.modelId) return this.#current;
    let next = this.#known.get(active.id);
    if (!next && this.#resolve && this.#unresolved !== active.id) {
      try {
        next = await this.#resolve(active.spec);
        if (next.modelId !== active.id) throw new Error(`model ${active.spec} resolves to ${next.modelId}, not ${active.id}`);
        this.know(next, active.spec);
      } catch (cause) {
        next = undefined;
        this.#unresolved = active.id;
        this.#onUnresolved?.(active, cause);
      }
    }
    if (next) this.#current = next;
    return this.#current;
  }
}
