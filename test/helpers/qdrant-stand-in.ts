import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A STAND-IN for the Qdrant server, on loopback (node:http). No Qdrant can be installed on this
 * machine or in CI, and the rules forbid mocking the vendor SDK, so the real @qdrant/js-client-rest
 * talks HTTP to this server instead. It answers the REST calls the adapter makes, with Qdrant's
 * response shapes (`{ result, status: "ok", time }`, errors as `{ status: { error }, time }` with
 * Qdrant's HTTP statuses: 404 for a missing collection or alias, 409 for an existing collection,
 * 400 for a bad vector or id), and it evaluates honestly what the results depend on: cosine
 * similarity over normalised vectors, filters with must / should / must_not, match value / any /
 * except, range, is_empty, is_null and nested filters, point ids (UUID or unsigned integer only),
 * and atomic alias actions. Set QDRANT_URL to run the same suites against a real Qdrant.
 *
 * Endpoints: GET /, GET /healthz|/livez|/readyz, GET /collections, GET|PUT|DELETE /collections/{c}, GET /collections/{c}/exists,
 * PUT /collections/{c}/index, PUT /collections/{c}/points, POST /collections/{c}/points/delete,
 * POST /collections/{c}/points/query, POST /collections/{c}/points/count, POST /collections/aliases,
 * GET /aliases.
 */
export interface QdrantStandIn {
  readonly url: string;
  /** Every request: method, path (without query string) and parsed JSON body. */
  readonly requests: Array<{ method: string; path: string; body: unknown }>;
  /** Collection name -> number of points (aliases resolved by the caller). */
  pointCounts(): Map<string, number>;
  /** While true, every request answers 503 (a Qdrant that is down but listening). */
  failing: boolean;
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Payload = Record<string, Json>;

interface Collection {
  readonly dims: number;
  readonly points: Map<string, { vector: number[]; payload: Payload }>;
  readonly payloadSchema: Record<string, { data_type: string; params?: Json; points: number }>;
  operationId: number;
}

class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** `pathPrefix`: serve under it (as a reverse proxy would), answering 404 elsewhere. */
export async function startQdrantStandIn(options: { apiKey?: string; pathPrefix?: string } = {}): Promise<QdrantStandIn> {
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>();
  const requests: QdrantStandIn['requests'] = [];

  const resolve = (name: string): Collection => {
    const collection = collections.get(aliases.get(name) ?? name);
    if (!collection) throw new HttpProblem(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return collection;
  };

  const updated = (collection: Collection) => ({ operation_id: collection.operationId++, status: 'completed' });

  const route = (method: string, parts: string[], body: Record<string, unknown>): unknown => {
    const [root, name, sub, action] = parts;
    if (parts.length === 0 && method === 'GET') return { title: 'qdrant - vector search engine', version: '1.15.5', commit: 'stand-in' };
    if (parts.length === 1 && ['healthz', 'livez', 'readyz'].includes(root as string) && method === 'GET') {
      return root === 'readyz' ? 'all shards are ready' : 'healthz check passed';
    }
    if (root === 'aliases' && parts.length === 1 && method === 'GET') {
      return { aliases: [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) };
    }
    if (root !== 'collections') throw new HttpProblem(404, `Not found: ${parts.join('/')}`);
    if (name === undefined && method === 'GET') return { collections: [...collections.keys()].map((n) => ({ name: n })) };
    if (name === 'aliases' && sub === undefined && method === 'POST') return aliasActions(body);
    if (name === undefined) throw new HttpProblem(404, 'Not found');
    if (sub === undefined) {
      if (method === 'PUT') return createCollection(name, body);
      if (method === 'DELETE') {
        // Qdrant drops the aliases of a deleted collection with it.
        for (const [alias, target] of aliases) if (target === name) aliases.delete(alias);
        return collections.delete(name);
      }
      if (method === 'GET') return collectionInfo(resolve(name));
    }
    if (sub === 'exists' && method === 'GET') return { exists: collections.has(name) || aliases.has(name) };
    const collection = resolve(name);
    if (sub === 'index' && action === undefined && method === 'PUT') {
      const field = String(body.field_name);
      const schema = body.field_schema;
      collection.payloadSchema[field] = {
        data_type: typeof schema === 'string' ? schema : String((schema as { type: string }).type),
        points: 0,
      };
      return updated(collection);
    }
    if (sub === 'points' && action === undefined && method === 'PUT') return upsert(collection, body);
    if (sub === 'points' && action === 'delete' && method === 'POST') return deletePoints(collection, body);
    if (sub === 'points' && action === 'query' && method === 'POST') return query(collection, body);
    if (sub === 'points' && action === 'count' && method === 'POST') {
      const filter = body.filter as Filter | undefined;
      return { count: [...collection.points.values()].filter((point) => matches(filter, point.payload)).length };
    }
    throw new HttpProblem(404, `Not found: ${method} /${parts.join('/')}`);
  };

  const createCollection = (name: string, body: Record<string, unknown>): boolean => {
    if (collections.has(name)) throw new HttpProblem(409, `Wrong input: Collection \`${name}\` already exists!`);
    if (aliases.has(name)) throw new HttpProblem(409, `Wrong input: Alias with name \`${name}\` already exists!`);
    const vectors = body.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (typeof vectors?.size !== 'number' || vectors.size < 1) throw new HttpProblem(422, 'Validation error in JSON body: [vectors.size]');
    if (vectors.distance !== 'Cosine') throw new HttpProblem(400, 'Wrong input: this stand-in implements the Cosine distance only');
    collections.set(name, { dims: vectors.size, points: new Map(), payloadSchema: {}, operationId: 0 });
    return true;
  };

  const collectionInfo = (collection: Collection) => {
    for (const [field, entry] of Object.entries(collection.payloadSchema)) {
      entry.points = [...collection.points.values()].filter((point) => point.payload[field] !== undefined).length;
    }
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: collection.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: collection.dims, distance: 'Cosine' }, shard_number: 1, replication_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
      },
      payload_schema: collection.payloadSchema,
    };
  };

  const aliasActions = (body: Record<string, unknown>): boolean => {
    const next = new Map(aliases);
    for (const action of (body.actions as Array<
      Record<string, { alias_name: string; collection_name?: string; old_alias_name?: string; new_alias_name?: string }>
    >) ?? []) {
      if (action.create_alias) {
        const { alias_name, collection_name = '' } = action.create_alias;
        if (!collections.has(collection_name)) throw new HttpProblem(404, `Not found: Collection \`${collection_name}\` doesn't exist!`);
        if (next.has(alias_name)) throw new HttpProblem(409, `Wrong input: Alias with name \`${alias_name}\` already exists!`);
        next.set(alias_name, collection_name);
      } else if (action.delete_alias) {
        if (!next.delete(action.delete_alias.alias_name))
          throw new HttpProblem(404, `Not found: Alias \`${action.delete_alias.alias_name}\` doesn't exist!`);
      } else if (action.rename_alias) {
        const { old_alias_name = '', new_alias_name = '' } = action.rename_alias;
        const target = next.get(old_alias_name);
        if (target === undefined) throw new HttpProblem(404, `Not found: Alias \`${old_alias_name}\` doesn't exist!`);
        next.delete(old_alias_name);
        next.set(new_alias_name, target);
      } else {
        throw new HttpProblem(422, 'Validation error in JSON body: unknown alias action');
      }
    }
    // All or nothing, as Qdrant applies one request's actions.
    aliases.clear();
    for (const [alias, target] of next) aliases.set(alias, target);
    return true;
  };

  const upsert = (collection: Collection, body: Record<string, unknown>) => {
    const points = body.points as Array<{ id: unknown; vector: unknown; payload?: Payload }> | undefined;
    if (!Array.isArray(points)) throw new HttpProblem(422, 'Validation error in JSON body: this stand-in takes the `points` list form');
    const checked = points.map((point) => {
      const id = pointKey(point.id);
      const vector = point.vector;
      if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new HttpProblem(422, 'Validation error in JSON body: [points.vector]');
      }
      if (vector.length !== collection.dims) {
        throw new HttpProblem(400, `Wrong input: Vector dimension error: expected dim: ${collection.dims}, got ${vector.length}`);
      }
      return { id, vector: normalise(vector as number[]), payload: point.payload ?? {} };
    });
    for (const point of checked) collection.points.set(point.id, { vector: point.vector, payload: point.payload });
    return updated(collection);
  };

  const deletePoints = (collection: Collection, body: Record<string, unknown>) => {
    if (Array.isArray(body.points)) for (const id of body.points) collection.points.delete(pointKey(id));
    else if (body.filter !== undefined) {
      for (const [id, point] of collection.points) if (matches(body.filter as Filter, point.payload)) collection.points.delete(id);
    } else throw new HttpProblem(422, 'Validation error in JSON body: expected `points` or `filter`');
    return updated(collection);
  };

  const query = (collection: Collection, body: Record<string, unknown>) => {
    const vector = body.query;
    if (!Array.isArray(vector) || !vector.every((x) => typeof x === 'number')) {
      throw new HttpProblem(400, 'Wrong input: this stand-in answers nearest-vector queries only');
    }
    if (vector.length !== collection.dims) {
      throw new HttpProblem(400, `Wrong input: Vector dimension error: expected dim: ${collection.dims}, got ${vector.length}`);
    }
    const q = normalise(vector as number[]);
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const scored = [...collection.points]
      .filter(([, point]) => matches(body.filter as Filter | undefined, point.payload))
      .map(([id, point]) => ({ id, point, score: point.vector.reduce((sum, x, i) => sum + x * (q[i] as number), 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return {
      points: scored.map(({ id, point, score }) => ({
        id: /^\d+$/.test(id) ? Number(id) : id,
        version: collection.operationId,
        score,
        payload: selectPayload(point.payload, body.with_payload),
      })),
    };
  };

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const started = process.hrtime.bigint();
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const text = Buffer.concat(chunks).toString('utf8');
      let status = 200;
      let payload: unknown;
      try {
        const body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
        requests.push({ method: request.method ?? 'GET', path: url.pathname, body });
        if (handle.failing) throw new HttpProblem(503, 'Service unavailable (stand-in told to fail)');
        if (options.apiKey !== undefined && request.headers['api-key'] !== options.apiKey) {
          throw new HttpProblem(401, 'Must provide an API key or an Authorization bearer token');
        }
        const prefix = options.pathPrefix ?? '';
        if (!url.pathname.startsWith(`${prefix}/`)) throw new HttpProblem(404, `Not found: ${url.pathname}`);
        const parts = url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
        const result = route(request.method ?? 'GET', parts, body);
        // The root and the health endpoints answer bare; every other endpoint wraps its result.
        payload = parts.length === 0 || typeof result === 'string' ? result : { result, status: 'ok', time: seconds(started) };
      } catch (error) {
        status = error instanceof HttpProblem ? error.statusCode : error instanceof SyntaxError ? 400 : 500;
        payload = { status: { error: (error as Error).message }, time: seconds(started) };
      }
      if (typeof payload === 'string') {
        response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
        response.end(payload);
        return;
      }
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const handle: QdrantStandIn = {
    url: `http://127.0.0.1:${port}`,
    requests,
    failing: false,
    pointCounts: () => new Map([...collections].map(([name, collection]) => [name, collection.points.size])),
    close: () =>
      new Promise<void>((done, fail) => {
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
  return handle;
}

function seconds(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Qdrant takes unsigned integers and UUIDs (any case, with or without dashes) as point ids. */
function pointKey(id: unknown): string {
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return String(id);
  if (typeof id === 'string' && UUID.test(id)) {
    const hex = id.replace(/-/g, '').toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw new HttpProblem(
    400,
    `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

function normalise(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

function selectPayload(payload: Payload, withPayload: unknown): Payload | null {
  if (withPayload === true) return payload;
  if (Array.isArray(withPayload)) return Object.fromEntries(Object.entries(payload).filter(([key]) => withPayload.includes(key)));
  return null;
}

interface Filter {
  must?: Condition | Condition[] | null;
  should?: Condition | Condition[] | null;
  must_not?: Condition | Condition[] | null;
  min_should?: { conditions: Condition[]; min_count: number } | null;
}

type Condition = Filter & {
  key?: string;
  match?: { value?: Json; any?: Json[]; except?: Json[] };
  range?: { lt?: number | null; gt?: number | null; lte?: number | null; gte?: number | null };
  is_empty?: { key: string } | boolean;
  is_null?: { key: string } | boolean;
  has_id?: Array<string | number>;
};

const list = (value: Condition | Condition[] | null | undefined): Condition[] =>
  value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];

function matches(filter: Filter | undefined | null, payload: Payload): boolean {
  if (!filter) return true;
  if (!list(filter.must).every((condition) => holds(condition, payload))) return false;
  if (list(filter.must_not).some((condition) => holds(condition, payload))) return false;
  const should = list(filter.should);
  if (should.length > 0 && !should.some((condition) => holds(condition, payload))) return false;
  if (filter.min_should) {
    const met = filter.min_should.conditions.filter((condition) => holds(condition, payload)).length;
    if (met < filter.min_should.min_count) return false;
  }
  return true;
}

/** Values of a payload field: an array field matches when any element does (Qdrant's rule). */
function valuesOf(payload: Payload, key: string): Json[] {
  const value = payload[key];
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function holds(condition: Condition, payload: Payload): boolean {
  if (typeof condition.is_empty === 'object' && condition.is_empty !== null) return valuesOf(payload, condition.is_empty.key).length === 0;
  if (typeof condition.is_null === 'object' && condition.is_null !== null) return payload[condition.is_null.key] === null;
  if (condition.key === undefined) {
    if (condition.has_id) throw new HttpProblem(400, 'Wrong input: has_id is not implemented by this stand-in');
    return matches(condition, payload);
  }
  const values = valuesOf(payload, condition.key);
  if (condition.is_empty === true) return values.length === 0;
  if (condition.is_null === true) return payload[condition.key] === null;
  if (condition.match) {
    const { value, any, except } = condition.match;
    if (value !== undefined) return values.some((v) => v === value);
    if (any !== undefined) return values.some((v) => any.includes(v));
    if (except !== undefined) return values.some((v) => !except.includes(v));
    throw new HttpProblem(400, 'Wrong input: this stand-in implements match value, any and except');
  }
  if (condition.range) {
    const { lt, gt, lte, gte } = condition.range;
    return values.some(
      (v) =>
        typeof v === 'number' &&
        (lt === undefined || lt === null || v < lt) &&
        (gt === undefined || gt === null || v > gt) &&
        (lte === undefined || lte === null || v <= lte) &&
        (gte === undefined || gte === null || v >= gte),
    );
  }
  throw new HttpProblem(400, `Wrong input: condition on ${condition.key} is not implemented by this stand-in`);
}
