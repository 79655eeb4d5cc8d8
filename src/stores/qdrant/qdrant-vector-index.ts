import { randomBytes } from 'node:crypto';
import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { StrataError } from '../../errors/strata-error.js';
import type { MemoryFilter, ScoredId } from '../../spec/memory-store.js';
import type {
  VectorCollection,
  VectorCollectionInfo,
  VectorIndexV1,
  VectorModel,
  VectorPoint,
  VectorTarget,
} from '../../spec/vector-index.js';
import { PAYLOAD, PAYLOAD_INDEXES, pointId, toQdrantFilter, toQdrantPayload } from './qdrant-filter.js';
import { collectionNames } from './qdrant-names.js';

export interface QdrantVectorIndexOptions {
  /**
   * e.g. `http://127.0.0.1:6333` (QDRANT_URL). Without a port, 6333 (as Qdrant's clients do); a
   * path (Qdrant behind a proxy at `https://host/qdrant`) is kept as the prefix of every request.
   */
  readonly url: string;
  /** Sent as the `api-key` header (QDRANT_API_KEY). */
  readonly apiKey?: string | undefined;
  /** Every alias and collection of this index starts with `<prefix>_`. Default `strata`. */
  readonly prefix?: string | undefined;
  /** Per-request timeout. Default 10 s. */
  readonly timeoutMs?: number | undefined;
  /** Points per upsert request. Default 256. */
  readonly batchSize?: number | undefined;
}

/**
 * The semantic tier on Qdrant (REST, @qdrant/js-client-rest): one cosine collection per
 * embedding model, reached through the alias `<prefix>_<model>` so that a re-embedding is built
 * in a new collection and switched to atomically. Payload indexes cover every MemoryFilter field.
 * Point ids are UUID v5 of (tenant, memory id); the memory id is kept in the payload.
 */
export class QdrantVectorIndex implements VectorIndexV1 {
  readonly specificationVersion = 'v1' as const;
  readonly provider = 'qdrant';
  private client: QdrantClient | null = null;
  private readonly names: ReturnType<typeof collectionNames>;
  /** Models whose live collection this process has seen (alias -> collection, dims). */
  private readonly live = new Map<string, VectorCollection>();
  /** Models by alias, for listCollections (an alias name does not spell its model in full). */
  private readonly modelsByAlias = new Map<string, string>();
  private readonly batchSize: number;
  private serverVersion: string | null = null;

  constructor(private readonly options: QdrantVectorIndexOptions) {
    this.names = collectionNames(options.prefix ?? 'strata');
    this.batchSize = options.batchSize ?? 256;
  }

  /** The prefix of every alias and collection of this index. */
  get prefix(): string {
    return this.options.prefix ?? 'strata';
  }

  /** The server's version, read by open(). */
  get version(): string | null {
    return this.serverVersion;
  }

  async open(): Promise<void> {
    if (this.client) return;
    let client: QdrantClient;
    try {
      const { url, prefix } = splitUrl(this.options.url);
      client = new QdrantClient({
        url,
        ...(prefix ? { prefix } : {}),
        ...(this.options.apiKey ? { apiKey: this.options.apiKey } : {}),
        timeout: this.options.timeoutMs ?? 10_000,
        // The client's own check only logs; open() reads the version itself and fails loudly.
        checkCompatibility: false,
      });
    } catch (cause) {
      throw new StrataError('INVALID_CONFIG', `QDRANT_URL ${this.options.url} is not usable: ${(cause as Error).message}`, {
        cause,
        details: { field: 'QDRANT_URL' },
      });
    }
    const info = await call('version', () => client.versionInfo());
    this.serverVersion = info.version;
    this.client = client;
  }

  async close(): Promise<void> {
    this.client = null;
    this.live.clear();
  }

  async ensureCollection(model: VectorModel): Promise<VectorCollection> {
    const known = this.live.get(model.name);
    if (known) return checkDims(known, model.dims);
    const client = this.api();
    const alias = this.names.alias(model.name);
    this.modelsByAlias.set(alias, model.name);
    const existing = await this.describe(model.name);
    if (existing) return checkDims(existing, model.dims);
    const collection = await this.createCollection(model);
    try {
      await call('create alias', () =>
        client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: collection, alias_name: alias } }] }),
      );
    } catch (error) {
      // Another process created the alias first: use its collection, drop ours.
      const winner = await this.describe(model.name);
      if (!winner) throw error;
      await call('drop collection', () => client.deleteCollection(collection));
      return checkDims(winner, model.dims);
    }
    const created = { model: model.name, alias, collection, dims: model.dims };
    this.live.set(model.name, created);
    return created;
  }

  async describe(model: string): Promise<VectorCollection | null> {
    const client = this.api();
    const alias = this.names.alias(model);
    const aliases = await call('list aliases', () => client.getAliases());
    const target = aliases.aliases.find((entry) => entry.alias_name === alias)?.collection_name;
    if (target === undefined) {
      this.live.delete(model);
      return null;
    }
    const info = await call('get collection', () => client.getCollection(target));
    const described = { model, alias, collection: target, dims: dimsOf(info) };
    this.live.set(model, described);
    this.modelsByAlias.set(alias, model);
    return described;
  }

  async listCollections(): Promise<VectorCollectionInfo[]> {
    const client = this.api();
    const [collections, aliases] = await Promise.all([
      call('list collections', () => client.getCollections()),
      call('list aliases', () => client.getAliases()),
    ]);
    const out: VectorCollectionInfo[] = [];
    for (const { name } of collections.collections) {
      if (!this.names.owns(name)) continue;
      const info = await call('get collection', () => client.getCollection(name));
      const pointing = aliases.aliases.filter((entry) => entry.collection_name === name).map((entry) => entry.alias_name);
      const model = pointing.map((alias) => this.modelsByAlias.get(alias)).find((name) => name !== undefined) ?? null;
      out.push({
        collection: name,
        model,
        dims: dimsOf(info),
        points: info.points_count ?? 0,
        aliases: pointing,
        indexedFields: Object.keys(info.payload_schema ?? {}).sort(),
      });
    }
    return out;
  }

  async upsert(model: string, points: readonly VectorPoint[], target: VectorTarget = {}): Promise<void> {
    if (points.length === 0) return;
    const client = this.api();
    const dims = (points[0] as VectorPoint).vector.length;
    // The live collection is written through its alias: another process may switch it (blue/green) at any time.
    const collection = target.collection ?? (await this.ensureCollection({ name: model, dims })).alias;
    const expected = target.collection === undefined ? dims : dimsOf(await call('get collection', () => client.getCollection(collection)));
    for (const point of points) checkVector(point.vector, expected, model);
    for (let start = 0; start < points.length; start += this.batchSize) {
      const batch = points.slice(start, start + this.batchSize).map((point) => ({
        id: pointId(point.payload.tenantId, point.id),
        vector: Array.from(point.vector),
        payload: toQdrantPayload(point.id, point.payload),
      }));
      await this.forgetIfGone(model, target, () => call('upsert', () => client.upsert(collection, { wait: true, points: batch })));
    }
  }

  async deleteByIds(tenantId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const client = this.api();
    const points = [...new Set(ids)].map((id) => pointId(tenantId, id));
    for (const collection of await this.ownCollections()) {
      await call('delete points', () => client.delete(collection, { wait: true, points }));
    }
  }

  async deleteUser(tenantId: string, userId: string): Promise<void> {
    const client = this.api();
    const filter: Schemas['Filter'] = {
      must: [
        { key: PAYLOAD.tenant, match: { value: tenantId } },
        { key: PAYLOAD.user, match: { value: userId } },
      ],
    };
    for (const collection of await this.ownCollections()) {
      await call('delete user', () => client.delete(collection, { wait: true, filter }));
    }
  }

  async search(model: string, vector: Float32Array, filter: MemoryFilter, k: number, target: VectorTarget = {}): Promise<ScoredId[]> {
    if (k <= 0) return [];
    const client = this.api();
    const live = target.collection === undefined ? (this.live.get(model) ?? (await this.describe(model))) : null;
    if (target.collection === undefined && live === null) return [];
    const collection = target.collection ?? (live as VectorCollection).alias;
    if (live) checkVector(vector, live.dims, model);
    const response = await this.forgetIfGone(model, target, () =>
      call('query', () =>
        client.query(collection, {
          query: Array.from(vector),
          filter: toQdrantFilter(filter, Date.now()),
          limit: Math.floor(k),
          with_payload: [PAYLOAD.memoryId],
        }),
      ),
    );
    return response.points.map((point) => ({ id: String(point.payload?.[PAYLOAD.memoryId]), score: point.score }));
  }

  async count(model: string, filter: MemoryFilter, target: VectorTarget = {}): Promise<number> {
    const client = this.api();
    const collection = target.collection ?? (this.live.get(model) ?? (await this.describe(model)))?.alias;
    if (collection === undefined) return 0;
    const result = await this.forgetIfGone(model, target, () =>
      call('count', () => client.count(collection, { filter: toQdrantFilter(filter, Date.now()), exact: true })),
    );
    return result.count;
  }

  async createCollection(model: VectorModel): Promise<string> {
    if (!Number.isInteger(model.dims) || model.dims < 1) {
      throw new StrataError('INVALID_INPUT', `a collection needs a positive vector length, got ${model.dims}`, {
        details: { field: 'dims' },
      });
    }
    const client = this.api();
    this.modelsByAlias.set(this.names.alias(model.name), model.name);
    const name = this.names.physical(model.name, `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
    await call('create collection', () => client.createCollection(name, { vectors: { size: model.dims, distance: 'Cosine' } }));
    for (const { field, schema } of PAYLOAD_INDEXES) {
      await call('create payload index', () => client.createPayloadIndex(name, { wait: true, field_name: field, field_schema: schema }));
    }
    return name;
  }

  async switchAlias(model: string, collection: string): Promise<{ previous: string | null }> {
    const client = this.api();
    const alias = this.names.alias(model);
    const aliases = await call('list aliases', () => client.getAliases());
    const previous = aliases.aliases.find((entry) => entry.alias_name === alias)?.collection_name ?? null;
    const info = await call('get collection', () => client.getCollection(collection));
    // One request, so Qdrant applies the delete and the create atomically.
    const actions: Schemas['AliasOperations'][] = [
      ...(previous === null ? [] : [{ delete_alias: { alias_name: alias } }]),
      { create_alias: { collection_name: collection, alias_name: alias } },
    ];
    await call('switch alias', () => client.updateCollectionAliases({ actions }));
    this.live.set(model, { model, alias, collection, dims: dimsOf(info) });
    this.modelsByAlias.set(alias, model);
    return { previous };
  }

  async dropCollection(collection: string): Promise<void> {
    const client = this.api();
    const aliases = await call('list aliases', () => client.getAliases());
    const pointing = aliases.aliases.filter((entry) => entry.collection_name === collection).map((entry) => entry.alias_name);
    if (pointing.length > 0) {
      throw new StrataError('INVALID_INPUT', `collection ${collection} is live (alias ${pointing.join(', ')}); switch the alias first`, {
        details: { field: 'collection', collection },
      });
    }
    await call('drop collection', () => client.deleteCollection(collection));
  }

  /**
   * Runs a request on a model's live alias; when Qdrant answers 404 (the alias or its collection
   * went away under us), forgets what this process knew about the model so that the next call
   * looks it up again, and fails this one.
   */
  private async forgetIfGone<T>(model: string, target: VectorTarget, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (target.collection === undefined && StrataError.is(error) && error.details.status === 404) this.live.delete(model);
      throw error;
    }
  }

  private async ownCollections(): Promise<string[]> {
    const client = this.api();
    const { collections } = await call('list collections', () => client.getCollections());
    return collections.map((entry) => entry.name).filter((name) => this.names.owns(name));
  }

  private api(): QdrantClient {
    if (!this.client) throw new StrataError('CLOSED', 'the Qdrant index is not open (call open() first)');
    return this.client;
  }
}

/** The SDK reads host and port from `url` but drops its path, which it takes as `prefix` instead. */
function splitUrl(raw: string): { url: string; prefix: string | null } {
  const parsed = new URL(raw);
  const path = parsed.pathname.replace(/\/+$/, '');
  if (path === '') return { url: raw, prefix: null };
  return { url: `${parsed.protocol}//${parsed.host}`, prefix: path };
}

/** Runs one Qdrant request; a failure becomes STORE_UNAVAILABLE naming the operation and HTTP status. */
async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    if (cause instanceof StrataError) throw cause;
    const status = typeof (cause as { status?: unknown }).status === 'number' ? (cause as { status: number }).status : null;
    const reason = qdrantReason(cause);
    throw new StrataError('STORE_UNAVAILABLE', `qdrant ${operation} failed${status === null ? '' : ` (HTTP ${status})`}: ${reason}`, {
      cause,
      details: { backend: 'qdrant', operation, ...(status === null ? {} : { status }) },
    });
  }
}

function qdrantReason(cause: unknown): string {
  const data = (cause as { data?: { status?: { error?: unknown } } }).data;
  if (typeof data?.status?.error === 'string') return data.status.error;
  // fetch() reports "fetch failed" and puts the reason (ECONNREFUSED, bad port, ...) in its cause.
  const error = cause as Error & { cause?: { code?: string; message?: string } };
  const inner = error.cause?.code ?? error.cause?.message;
  return inner ? `${error.message} (${inner})` : (error.message ?? String(cause));
}

function dimsOf(info: Schemas['CollectionInfo']): number {
  const vectors = info.config.params.vectors as { size?: number } | undefined;
  return typeof vectors?.size === 'number' ? vectors.size : 0;
}

function checkDims(collection: VectorCollection, dims: number): VectorCollection {
  if (collection.dims !== dims) throw mismatch(collection.model, collection.dims, dims);
  return collection;
}

function checkVector(vector: Float32Array, dims: number, model: string): void {
  if (vector.length !== dims) throw mismatch(model, dims, vector.length);
  for (const x of vector) {
    if (!Number.isFinite(x))
      throw new StrataError('INVALID_INPUT', 'vector holds a non-finite value', { details: { field: 'vector', model } });
  }
}

function mismatch(model: string, expected: number, actual: number): StrataError {
  return new StrataError('DIMENSION_MISMATCH', `vector has ${actual} dimensions; the ${model} collection has ${expected}`, {
    details: { expected, actual, model },
  });
}
