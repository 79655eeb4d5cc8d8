/**
 * One benchmark phase per process, so that each phase's peak RSS is its own. Started by
 * run.ts with the request as JSON in argv[2]; answers with one IPC message.
 */
import { readdirSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { createMemory } from '../src/config/create-memory.js';
import { applyHeapPolicy, heapGrowthFromEnv } from '../src/config/heap-policy.js';
import type { MemoryService } from '../src/core/memory-service.js';
import { queryTerms } from '../src/retrieval/query-terms.js';
import { KEYWORD_WEIGHTS } from '../src/stores/sqlite/sqlite-store.js';
import { openBenchMemory, postgresBytes, vectorMode } from './bench-store.js';
import { benchQueries, benchSession, Rng } from './corpus.js';
import type { EmbedderResult, IngestResult, PhaseRequest, PhaseResult, ServeResult } from './protocol.js';
import { gc, peakRssMiB, round, summarise, timed } from './stats.js';

export const USER_ID = 'bench-user';
const TENANT = 'default';

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '{}') as PhaseRequest;
  // As the CLI does at start (strata serve): the phase's peak RSS is the served process's.
  applyHeapPolicy(request.heapGrowthPercent ?? heapGrowthFromEnv());
  let result: PhaseResult;
  if (request.phase === 'embedder') result = await embedderPhase(request.seed);
  else if (request.phase === 'ingest') result = await ingestPhase(request);
  else result = await servePhase(request);
  const send = process.send?.bind(process);
  if (!send) {
    // Run by hand: print the result instead.
    console.log(JSON.stringify(result, (key, value) => (key === 'top10' ? undefined : value), 2));
    return;
  }
  await new Promise<void>((resolve, reject) =>
    send(result, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve())),
  );
  process.disconnect();
}

async function embedderPhase(seed: number): Promise<EmbedderResult> {
  const memory = await createMemory({ path: ':memory:' });
  const embedder = memory.embedder;
  const texts: string[] = [];
  for (let s = 0; texts.length < 20_000; s++) for (const m of benchSession(seed + 1, s).messages) texts.push(m.content);
  const load = await timed(() => embedder.model.embed(['warm up the word table']));
  // Warm the JIT on texts that are not measured.
  await embedder.model.embed(texts.slice(0, 256));
  const measured = texts.slice(256);
  const provider = await timed(async () => {
    for (let i = 0; i < measured.length; i += 256) await embedder.model.embed(measured.slice(i, i + 256));
  });
  const core = await timed(async () => {
    for (let i = 0; i < measured.length; i += 256) await embedder.embed(measured.slice(i, i + 256));
  });
  const queries = benchQueries(seed, 500);
  const latencies: number[] = [];
  for (const query of queries) latencies.push((await timed(() => embedder.model.embed([query.text]))).ms);
  await memory.close();
  return {
    phase: 'embedder',
    model: embedder.modelId,
    dimensions: embedder.dimensions,
    providerPerSecond: Math.round(measured.length / (provider.ms / 1000)),
    embedderPerSecond: Math.round(measured.length / (core.ms / 1000)),
    queryLatency: summarise(latencies),
    loadMs: round(load.ms, 1),
    peakRssMiB: peakRssMiB(),
  };
}

/** The store's `warm()` (SqliteStore, or the SqliteStore behind the Redis tier): loads or builds its in-process indexes now. */
async function warm(memory: MemoryService): Promise<number> {
  type Warmable = { warm?: () => Promise<void>; durable?: Warmable };
  const outer = memory.store as Warmable;
  const store = outer.warm ? outer : outer.durable;
  return (await timed(async () => store?.warm?.())).ms;
}

async function ingestPhase(request: Extract<PhaseRequest, { phase: 'ingest' }>): Promise<IngestResult> {
  const memory = await openBenchMemory(request.store, { path: request.path });
  const already = await memory.countMemories({ userId: USER_ID });
  // As a long-running server would: indexes loaded, then kept up to date message by message.
  const warmMs = await warm(memory);
  let { session: s, offset } = request.from;
  let messages = 0;
  let calls = 0;
  let sessionsCreated = 0;
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  while (already + messages < request.target) {
    const session = benchSession(request.seed, s);
    const rng = new Rng(session.index * 7919 + offset);
    if (offset === 0) {
      await memory.createSession({ id: session.id, userId: USER_ID, createdAt: session.createdAt });
      sessionsCreated++;
    }
    while (offset < session.messages.length && already + messages < request.target) {
      const size = Math.min(rng.int(1, 10), session.messages.length - offset, request.target - already - messages);
      const batch = session.messages.slice(offset, offset + size);
      const call = performance.now();
      await memory.addMessages(session.id, batch);
      latencies.push(performance.now() - call);
      calls++;
      offset += size;
      messages += size;
    }
    if (offset >= session.messages.length) {
      s++;
      offset = 0;
    }
  }
  const ingestMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const rss: Record<string, number> = { afterIngest: peakRssMiB() };
  const flushStarted = performance.now();
  await warm(memory);
  rss.afterWarm = peakRssMiB();
  const storeBytes = await postgresBytes(memory);
  await memory.close();
  rss.afterClose = peakRssMiB();
  const indexFlushMs = performance.now() - flushStarted;
  return {
    phase: 'ingest',
    messages,
    calls,
    memories: already + messages,
    sessionsCreated,
    ingestMs: round(ingestMs, 1),
    indexFlushMs: round(indexFlushMs, 1),
    warmMs: round(warmMs, 1),
    cpuMs: round((cpu.user + cpu.system) / 1000, 1),
    addLatency: summarise(latencies),
    next: { session: s, offset },
    peakRssMiB: peakRssMiB(),
    peakRssBy: rss,
    dbBytes: storeBytes ?? fileBytes(request.path) + fileBytes(`${request.path}-wal`),
    vectorIndexBytes: dirBytes(`${request.path}.vectors`),
  };
}

async function servePhase(request: Extract<PhaseRequest, { phase: 'serve' }>): Promise<ServeResult> {
  const opened = await timed(() => openBenchMemory(request.store, { path: request.path, exact: request.mode === 'exact' }));
  const memory = opened.value;
  const warmMs = await warm(memory);
  const memories = await memory.countMemories({ userId: USER_ID });
  const queries = benchQueries(request.seed, request.queries).map((q) => q.text);
  const first = await timed(() => memory.search(queries[0] ?? 'first', { userId: USER_ID, k: 10 }));
  // JIT and page-cache warm-up on queries that are not measured.
  for (const q of benchQueries(request.seed + 99, 30)) {
    await memory.search(q.text, { userId: USER_ID, k: 10 });
    await memory.getContext(benchSession(request.seed, 0).id, { tokenBudget: 2000, query: q.text });
  }
  gc();

  const searchMs: number[] = [];
  const top10: string[][] = [];
  const searchCpu = process.cpuUsage();
  for (const query of queries) {
    const { ms, value } = await timed(() => memory.search(query, { userId: USER_ID, k: 10 }));
    servedOrThrow('search', value);
    searchMs.push(ms);
    top10.push(value.results.map((r) => r.memory.id));
  }

  const searchCpuMs = cpuMs(searchCpu) / queries.length;
  // Context: half with an explicit query, half as an agent calls it (the last user turn is the query).
  const contextMs: number[] = [];
  const contextCpu = process.cpuUsage();
  const tokens: number[] = [];
  const pick = new Rng(request.seed ^ 0xc0ffee);
  for (let i = 0; i < queries.length; i++) {
    const sessionId = benchSession(request.seed, pick.int(0, Math.max(0, request.sessions - 1))).id;
    const options = i % 2 === 0 ? { tokenBudget: 2000, query: queries[i] } : { tokenBudget: 2000 };
    const { ms, value } = await timed(() => memory.getContext(sessionId, options));
    servedOrThrow('getContext', value);
    contextMs.push(ms);
    tokens.push(value.tokens);
  }
  const contextCpuMs = cpuMs(contextCpu) / queries.length;
  const parts = await searchParts(memory, queries.slice(0, 60));
  const peak = peakRssMiB();
  const recall = request.mode === 'ann' ? await annRecall(memory, queries.slice(0, 200)) : null;
  const keywordCheck = request.verifyKeywords ? await keywordsAgainstFts5(memory, request.path, queries.slice(0, 100)) : null;
  const mode = vectorMode(memory);
  await memory.close();
  return {
    phase: 'serve',
    mode: request.mode,
    memories,
    openMs: round(opened.ms, 1),
    warmMs: round(warmMs, 1),
    firstSearchMs: round(first.ms, 1),
    search: summarise(searchMs),
    cpuPerSearchMs: round(searchCpuMs),
    cpuPerContextMs: round(contextCpuMs),
    context: summarise(contextMs),
    parts,
    top10,
    recall,
    keywordCheck,
    contextTokens: { mean: Math.round(tokens.reduce((a, b) => a + b, 0) / tokens.length), max: Math.max(...tokens) },
    peakRssMiB: peak,
    vectorMode: mode,
  };
}

/**
 * A read that fell back (an error or a deadline inside it: `used: false`) answered from the
 * fallback path, whose latency is not the search's: the phase fails instead of reporting it.
 */
function servedOrThrow(operation: string, response: { used: boolean; reason: string | null }): void {
  if (!response.used) throw new Error(`bench: a ${operation} fell back (reason ${response.reason}): its latency is not a measurement`);
}

/** The store calls one hybrid search makes, timed one by one (k = 50 candidates, as hybridSearch asks). */
async function searchParts(memory: MemoryService, queries: readonly string[]): Promise<ServeResult['parts']> {
  const filter = { tenantId: TENANT, userId: USER_ID };
  const embed: number[] = [];
  const keyword: number[] = [];
  const vector: number[] = [];
  const hydrate: number[] = [];
  for (const query of queries) {
    const e = await timed(() => memory.embedder.embedOne(`${query} `));
    embed.push(e.ms);
    const kw = await timed(() => memory.store.keywordSearch(filter, queryTerms(query), 50));
    keyword.push(kw.ms);
    const vec = await timed(() => memory.store.vectorSearch(filter, e.value, memory.embedder.modelId, 50));
    vector.push(vec.ms);
    const ids = [...new Set([...kw.value, ...vec.value].map((hit) => hit.id))];
    hydrate.push((await timed(() => memory.store.getMemories(TENANT, ids))).ms);
  }
  return { embedQuery: summarise(embed), keyword: summarise(keyword), vector: summarise(vector), hydrate: summarise(hydrate) };
}

/**
 * Recall of the store's vector search (ANN) against exact search on the same query vectors.
 * The exact answers come from a brute-force scan of every vector of the scope in this process
 * (the store's exact path reads them from SQLite on every call: minutes for 200 queries at
 * 100k), checked against the store's own exact search on the first queries.
 */
async function annRecall(memory: MemoryService, queries: readonly string[]): Promise<NonNullable<ServeResult['recall']>> {
  const filter = { tenantId: TENANT, userId: USER_ID };
  const model = memory.embedder.modelId;
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await memory.store.listMemories(filter, { limit: 1000, after });
    ids.push(...page.map((m) => m.id));
    if (page.length < 1000) break;
    after = page[page.length - 1]?.id;
  }
  const dims = memory.embedder.dimensions;
  const matrix = new Float32Array(ids.length * dims);
  for (let start = 0; start < ids.length; start += 1000) {
    const chunk = ids.slice(start, start + 1000);
    const vectors = await memory.store.getEmbeddings(TENANT, chunk);
    for (const [i, id] of chunk.entries()) matrix.set(vectors.get(id) ?? new Float32Array(dims), (start + i) * dims);
  }
  const exactTop = (vector: Float32Array, k: number): string[] => {
    const scores = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += (vector[d] as number) * (matrix[i * dims + d] as number);
      scores[i] = dot;
    }
    const order = [...scores.keys()].sort((a, b) => (scores[b] as number) - (scores[a] as number));
    return order.slice(0, k).map((i) => ids[i] as string);
  };
  let at10 = 0;
  let at50 = 0;
  let verified = 0;
  for (const [n, query] of queries.entries()) {
    const vector = await memory.embedder.embedOne(query);
    const truth50 = exactTop(vector, 50);
    if (n < 3) {
      const store = (await memory.store.vectorSearch(filter, vector, model, 10, { exact: true })).map((hit) => hit.id);
      if (store.join() === truth50.slice(0, 10).join()) verified++;
    }
    for (const [k, add] of [
      [10, (r: number) => (at10 += r)],
      [50, (r: number) => (at50 += r)],
    ] as const) {
      const truth = new Set(truth50.slice(0, k));
      const ann = await memory.store.vectorSearch(filter, vector, model, k);
      add(ann.filter((hit) => truth.has(hit.id)).length / Math.max(1, truth.size));
    }
  }
  return {
    at10: round(at10 / queries.length, 4),
    at50: round(at50 / queries.length, 4),
    queries: queries.length,
    truthVerified: `${verified}/${Math.min(3, queries.length)}`,
  };
}

/**
 * The store's keyword search against SQLite FTS5 itself: the same rows indexed in a scratch
 * FTS5 table with the tokenizer the index replicates, queried with `bm25(fts, 1.0, 0.2)`.
 * A query agrees when both return the same top-50 scores (to 1e-9).
 */
async function keywordsAgainstFts5(memory: MemoryService, path: string, queries: readonly string[]): Promise<ServeResult['keywordCheck']> {
  const db = new Database(':memory:');
  try {
    db.prepare('ATTACH DATABASE ? AS bench').run(path);
    db.exec(`CREATE VIRTUAL TABLE fts USING fts5(text, context, tokenize = 'porter unicode61 remove_diacritics 2');
      INSERT INTO fts (rowid, text, context) SELECT rowid, text, coalesce(context, '') FROM bench.memories;`);
    const fts = db.prepare(
      `SELECT m.id AS id, -bm25(fts, ${KEYWORD_WEIGHTS.text}, ${KEYWORD_WEIGHTS.context}) AS score
         FROM fts CROSS JOIN bench.memories m ON m.rowid = fts.rowid
        WHERE fts MATCH ? AND m.tenant_id = ? AND m.user_id = ? ORDER BY score DESC LIMIT 50`,
    );
    let same = 0;
    let maxDiff = 0;
    for (const query of queries) {
      const terms = queryTerms(query);
      const mine = await memory.store.keywordSearch({ tenantId: TENANT, userId: USER_ID }, terms, 50);
      const match = [...new Set(terms)].map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
      const theirs = (match ? fts.all(match, TENANT, USER_ID) : []) as Array<{ id: string; score: number }>;
      const diffs = mine.map((hit, i) => Math.abs(hit.score - (theirs[i]?.score ?? Number.NaN)));
      maxDiff = Math.max(maxDiff, ...diffs.filter((d) => Number.isFinite(d)));
      if (mine.length === theirs.length && diffs.every((d) => d < 1e-9)) same++;
    }
    return { queries: queries.length, identical: same, maxScoreDiff: maxDiff };
  } finally {
    db.close();
  }
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function dirBytes(path: string): number {
  try {
    return readdirSync(path).reduce((sum, name) => sum + fileBytes(`${path}/${name}`), 0);
  } catch {
    return 0;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
