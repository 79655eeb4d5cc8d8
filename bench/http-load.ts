/**
 * HTTP load benchmark: `npm run bench:http [-- --duration 20 --connections 50 --cpu-prof]`.
 *
 * Starts `strata serve`'s wiring (createServer: embedded SQLite in a temp dir, API keys on,
 * per-key rate limiting on with a limit the load stays under, pino at `info` into /dev/null)
 * in a child process on 127.0.0.1, seeds messages across users through the typed client, then
 * drives a mixed load with one autocannon instance: every request picks its route at random
 * (80% add-message with a unique clientMsgId, 10% context, 10% search), so the mix is exact
 * by count; latency is timed per request from its setupRequest (written to the socket at once,
 * pipelining 1) to its onResponse, which autocannon's aggregate cannot split by route.
 * The server and the load generator share this machine's cores: the numbers are a floor.
 * The store grows under the load (80% writes roughly triple the seeded 60 messages a user in a
 * 15 s run), and context and search cost grows with a user's memories: the report prints the
 * store's size at the start and the end of the timed load, so that runs are compared knowing it.
 * `--memory off` serves every route in memory mode off (nothing stored or read, each add-message
 * answers `skipped`): what is left is the HTTP stack alone (socket, routing, auth, rate limit,
 * body parsing, zod, serialisation, logs, metrics), to tell its CPU a request from the core's.
 * Measured so (2 cores, add-message only): 0.12-0.14 ms a request against 0.43-0.69 ms with memory on
 * (appends group-committed; 0.77-1.00 ms before).
 * `--rate R` is an open loop: R requests a second at evenly spaced times over at most
 * `--connections` keep-alive sockets (node:http), each timed from the moment it was due, so that
 * a slow server cannot slow the offered load down (no coordinated omission); a request waiting
 * for a free socket counts that wait. (autocannon's own rate limit is not one: each connection
 * sends its share of a second back to back and then pauses, so every second starts with a burst
 * of all connections at once, a closed loop again; at 300 requests/s offered it measured p50
 * ~60-100 ms while the event loop was free 99% of the time.)
 * In the closed loop the latencies are queueing by Little's law (50 connections at X requests/s:
 * a mean of 50/X s), so the p95 targets are for the open loop at the target rate (`--rate 1000`).
 * Writes bench/results/http-latest.json.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { StrataClient } from '../src/client/index.js';

const ROUTES = ['add-message', 'context', 'search'] as const;
type Route = (typeof ROUTES)[number];
const TARGETS = { requestsPerSecond: 1000, p95Ms: { 'add-message': 25, context: 50, search: 50 } as Record<Route, number> };
const RESULTS = new URL('./results/http-latest.json', import.meta.url);

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    data: { type: 'string' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    users: { type: 'string', default: '50' },
    'sessions-per-user': { type: 'string', default: '2' },
    'messages-per-session': { type: 'string', default: '30' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
    /** Percent add-message,context,search (e.g. `0,100,0` to measure context alone). */
    mix: { type: 'string', default: '80,10,10' },
    /** Server processes (`strata serve --workers N`): node:cluster workers sharing the port and the SQLite file. */
    workers: { type: 'string', default: '1' },
    /** Open loop: offer this many requests/s in total (autocannon overallRate) instead of as many as the server answers. */
    rate: { type: 'string' },
    /** `off`: memory mode off (STRATA_WRITE/READ false): the HTTP stack's own cost, without the core's. */
    memory: { type: 'string', default: 'on' },
  },
});

const MIX = parseMix(String(args.mix));
if (args.memory !== 'on' && args.memory !== 'off') throw new Error(`--memory takes on or off, got "${args.memory}"`);
const MEMORY_OFF = args.memory === 'off';

function parseMix(text: string): Record<Route, number> {
  const parts = text.split(',').map(Number);
  const sum = parts.reduce((total, part) => total + part, 0);
  if (parts.length !== 3 || parts.some((part) => !(part >= 0)) || sum <= 0) throw new Error(`--mix takes three percentages, got "${text}"`);
  const [add = 0, context = 0, search = 0] = parts;
  return { 'add-message': add / sum, context: context / sum, search: search / sum };
}
const mixLabel = () => ROUTES.map((route) => `${Math.round(MIX[route] * 100)}% ${route}`).join(' / ');

// ---- the server (child process) -------------------------------------------------------------

interface Ready {
  readonly url: string;
  readonly key: string;
  readonly pid: number;
}
interface Stopped {
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly rssMiB: number;
}

async function serve(): Promise<void> {
  const cluster = (await import('node:cluster')).default;
  // As the CLI does at start (src/cli/main.ts).
  const { applyHeapPolicy, heapGrowthFromEnv } = await import('../src/config/heap-policy.js');
  applyHeapPolicy(heapGrowthFromEnv());
  const { loadSettings } = await import('../src/config/load-settings.js');
  const { createServer, prepareDataDir } = await import('../src/config/create-server.js');
  const settings = loadSettings({
    // STRATA_* variables as `strata serve` reads them (STRATA_RECORD_CACHE_MIB=64 ...); the flags below win.
    env: process.env,
    flags: {
      data: args.data,
      port: 0,
      host: '127.0.0.1',
      docs: false,
      logLevel: args['log-level'] as 'info',
      rateLimit: { enabled: true, max: 1_000_000, windowMs: 60_000 },
      workers: Number(args.workers),
      ...(MEMORY_OFF ? { write: false, read: false } : {}),
    },
  });
  if (settings.workers > 1 && cluster.isPrimary) return servePrimary(settings, cluster, prepareDataDir);
  const server = await createServer(settings, { role: cluster.isWorker ? 'worker' : 'single' });
  const url = await server.app.listen({ host: settings.host, port: settings.port });
  if (!cluster.isWorker && !server.firstAdminKey) throw new Error('expected a fresh key store');
  const cpuAtStart = process.cpuUsage();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'reset-cpu') Object.assign(cpuAtStart, process.cpuUsage());
    if (message.type !== 'stop') return;
    const cpu = process.cpuUsage(cpuAtStart);
    const stopped: Stopped = { cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, rssMiB: process.memoryUsage().rss / 2 ** 20 };
    void server.close().then(() => process.send?.({ type: 'stopped', ...stopped }, () => process.exit(0)));
  });
  process.send?.({ type: 'ready', url, key: server.firstAdminKey ?? '', pid: process.pid } satisfies Ready & { type: string });
}

/** `--workers N`: this child is the cluster primary; CPU and RSS are the workers' sums. */
async function servePrimary(
  settings: import('../src/config/settings.js').ServerSettings,
  cluster: typeof import('node:cluster').default,
  prepare: typeof import('../src/config/create-server.js').prepareDataDir,
): Promise<void> {
  const { firstAdminKey } = await prepare(settings);
  if (!firstAdminKey) throw new Error('expected a fresh key store');
  const workers = Array.from({ length: settings.workers }, () => cluster.fork());
  const ready = await Promise.all(
    workers.map((worker) => new Promise<Ready>((resolve) => worker.once('message', (message: Ready) => resolve(message)))),
  );
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'reset-cpu') for (const worker of workers) worker.send(message);
    if (message.type !== 'stop') return;
    const stops = workers.map(
      (worker) =>
        new Promise<Stopped>((resolve) => {
          worker.on('message', (reply: Stopped & { type: string }) => {
            if (reply.type === 'stopped') resolve(reply);
          });
          worker.send(message);
        }),
    );
    void Promise.all(stops).then((all) => {
      const sum = (pick: (stopped: Stopped) => number) => all.reduce((total, stopped) => total + pick(stopped), 0);
      const stopped: Stopped = { cpuUserMs: sum((s) => s.cpuUserMs), cpuSystemMs: sum((s) => s.cpuSystemMs), rssMiB: sum((s) => s.rssMiB) };
      process.send?.({ type: 'stopped', ...stopped }, () => process.exit(0));
    });
  });
  const url = (ready[0] as Ready).url;
  process.send?.({ type: 'ready', url, key: firstAdminKey, pid: process.pid } satisfies Ready & { type: string });
}

function startServer(dataDir: string, profileDir: string | null): Promise<{ child: ChildProcess; ready: Ready }> {
  const execArgv = [...process.execArgv, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const serveArgs = [
    ...['--serve', '--data', dataDir, '--log-level', String(args['log-level'])],
    ...['--workers', String(args.workers), '--memory', String(args.memory)],
  ];
  const child = fork(new URL(import.meta.url).pathname, serveArgs, {
    execArgv,
    // pino writes its JSON lines to stdout: to /dev/null, so that formatting is measured and not a pipe.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the server exited with code ${code} before it was ready`)));
    child.once('message', (message: Ready & { type: string }) => resolve({ child, ready: message }));
  });
}

/** Asks the server to drain and close, and waits for it to exit (so that a CPU profile is written). */
function stopServer(child: ChildProcess): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    let stopped: Stopped | null = null;
    child.on('message', (message: Stopped & { type: string }) => {
      if (message.type === 'stopped') stopped = message;
    });
    child.once('exit', (code) => (stopped ? resolve(stopped) : reject(new Error(`the server exited with code ${code} while stopping`))));
    child.send({ type: 'stop' });
  });
}

// ---- workload ---------------------------------------------------------------------------------

/** mulberry32: a seeded PRNG, so that every run sends the same texts in the same order. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const words = (list: string): readonly string[] => list.split('|');
const SUBJECTS = words(
  'my dog|the espresso machine|our flat|the budget review|my violin lessons|the ferry trip|the kitchen|my sister|the payments service|the garden|our car|the quarterly report|my running plan|the recruiter|the dentist|the wedding',
);
const VERBS = words('needs|reminds me of|is scheduled with|depends on|keeps breaking|was moved to|costs more than|should avoid');
const OBJECTS = words(
  'a new gasket|the Thursday meeting|peanuts and cashews|the harbour view|a ceramic sink|the Norwegian fjords|chemistry revision|the database pool|ten kilometres on Sunday|oak worktops|the seafood restaurant|the midnight deploy|nineteen percent interest|Kafka and Postgres',
);
const QUERIES = words(
  'what does the dog like|when is the budget review|what is wrong with the espresso machine|which food must be avoided|where is the ferry trip|what does the kitchen need|why did the payments service fail|how far do I run|what did the recruiter want',
);

function sentence(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  return `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}, and ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}.`;
}

interface Workload {
  readonly users: string[];
  readonly sessions: Array<{ id: string; userId: string }>;
}

async function seed(client: StrataClient, random: () => number): Promise<Workload> {
  const users = Array.from({ length: Number(args.users) }, (_, i) => `user-${i}`);
  const sessions = users.flatMap((userId) =>
    Array.from({ length: Number(args['sessions-per-user']) }, (_, j) => ({ id: `${userId}-s${j}`, userId })),
  );
  const perSession = Number(args['messages-per-session']);
  // A few sessions at a time: seeding is not what is measured.
  for (let i = 0; i < sessions.length; i += 4) {
    await Promise.all(
      sessions.slice(i, i + 4).map(async (session) => {
        await client.createSession(session);
        const messages = Array.from({ length: perSession }, (_, n) => ({
          role: n % 2 === 0 ? ('user' as const) : ('assistant' as const),
          content: sentence(random),
          clientMsgId: `seed-${n}`,
        }));
        await client.addMessages(session.id, messages);
      }),
    );
  }
  return { users, sessions };
}

interface RouteStats {
  latencies: number[];
  statuses: Record<string, number>;
  timeouts: number;
}

interface LoadContext {
  route?: Route;
  startedAt?: number;
}

interface PlannedRequest {
  readonly route: Route;
  readonly path: string;
  readonly body: string;
}

/** The next request of the mix (every one is a POST with a JSON body). */
function planRequest(workload: Workload, random: () => number, clientMsgId: () => string): PlannedRequest {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const draw = random();
  const session = pick(workload.sessions);
  if (draw < MIX['add-message']) {
    const message = { role: 'user', content: sentence(random), clientMsgId: clientMsgId() };
    return { route: 'add-message', path: `/v1/sessions/${session.id}/messages`, body: JSON.stringify({ messages: [message] }) };
  }
  if (draw < MIX['add-message'] + MIX.context) {
    return { route: 'context', path: `/v1/sessions/${session.id}/context`, body: JSON.stringify({ query: pick(QUERIES) }) };
  }
  return { route: 'search', path: '/v1/search', body: JSON.stringify({ query: pick(QUERIES), userId: session.userId, k: 10 }) };
}

/** What one timed load reports besides the per-route stats (autocannon's totals, or the open loop's). */
interface LoadTotals {
  readonly start: Date;
  /** Seconds. */
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly latency: { readonly p50: number; readonly p99: number };
}

const freshStats = (): Record<Route, RouteStats> => ({
  'add-message': { latencies: [], statuses: {}, timeouts: 0 },
  context: { latencies: [], statuses: {}, timeouts: 0 },
  search: { latencies: [], statuses: {}, timeouts: 0 },
});

async function load(
  url: string,
  key: string,
  workload: Workload,
  seconds: number,
  random: () => number,
  label: string,
): Promise<{ stats: Record<Route, RouteStats>; result: LoadTotals }> {
  if (args.rate !== undefined) return openLoad(url, key, workload, seconds, random, label, Number(args.rate));
  const stats = freshStats();
  let sequence = 0;
  const result = await autocannon({
    url,
    connections: Number(args.connections),
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    setupClient: (client) => {
      // autocannon's Client emits 'timeout' (not in its types); the context is the timed-out request's.
      const raw = client as unknown as EventEmitter & { requestIterator: { context: LoadContext } };
      raw.on('timeout', () => {
        const route = raw.requestIterator.context.route;
        if (route) stats[route].timeouts++;
      });
    },
    requests: [
      {
        setupRequest: (request, context: LoadContext) => {
          const planned = planRequest(workload, random, () => `${label}-${sequence++}`);
          context.startedAt = performance.now();
          context.route = planned.route;
          return { ...request, method: 'POST', path: planned.path, body: planned.body };
        },
        onResponse: (status, _body, context: LoadContext) => {
          if (!context.route || context.startedAt === undefined) return;
          const route = stats[context.route];
          route.latencies.push(performance.now() - context.startedAt);
          route.statuses[status] = (route.statuses[status] ?? 0) + 1;
        },
      },
    ],
  });
  return { stats, result };
}

/**
 * The open loop (`--rate`): a request is due every 1/rate s from the start, whether or not the
 * earlier ones were answered; node:http's keep-alive agent holds at most `--connections` sockets
 * and queues the rest. Latency runs from the due time to the end of the response.
 */
async function openLoad(
  url: string,
  key: string,
  workload: Workload,
  seconds: number,
  random: () => number,
  label: string,
  rate: number,
): Promise<{ stats: Record<Route, RouteStats>; result: LoadTotals }> {
  if (!(rate > 0)) throw new Error(`--rate takes requests per second, got "${args.rate}"`);
  const stats = freshStats();
  const agent = new Agent({ keepAlive: true, maxSockets: Number(args.connections) });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const { hostname, port } = new URL(url);
  let sequence = 0;
  let errors = 0;
  let timeouts = 0;
  let inFlight = 0;
  let drained: (() => void) | null = null;
  const settle = () => {
    inFlight -= 1;
    if (inFlight === 0) drained?.();
  };
  const send = (planned: PlannedRequest, dueAt: number): void => {
    inFlight += 1;
    const request = httpRequest(
      {
        agent,
        hostname,
        port,
        method: 'POST',
        path: planned.path,
        headers: { ...headers, 'content-length': Buffer.byteLength(planned.body) },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          const route = stats[planned.route];
          route.latencies.push(performance.now() - dueAt);
          route.statuses[response.statusCode ?? 0] = (route.statuses[response.statusCode ?? 0] ?? 0) + 1;
          settle();
        });
      },
    );
    request.setTimeout(10_000, () => {
      stats[planned.route].timeouts++;
      timeouts++;
      request.destroy(new Error('timeout'));
    });
    request.on('error', () => {
      errors++;
      settle();
    });
    request.end(planned.body);
  };
  const started = performance.now();
  const startedAt = new Date();
  const total = Math.round(rate * seconds);
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      for (; sent < due; sent++)
        send(
          planRequest(workload, random, () => `${label}-${sequence++}`),
          started + (sent * 1000) / rate,
        );
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  agent.destroy();
  const latencies = ROUTES.flatMap((route) => stats[route].latencies).sort((a, b) => a - b);
  const non2xx = ROUTES.reduce(
    (sum, route) => sum + Object.entries(stats[route].statuses).reduce((n, [status, count]) => n + (status.startsWith('2') ? 0 : count), 0),
    0,
  );
  return {
    stats,
    result: {
      start: startedAt,
      duration: (performance.now() - started) / 1000,
      errors,
      timeouts,
      non2xx,
      latency: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
    },
  };
}

/** Busy CPU time of the whole machine so far, in ms (all cores, every process). */
function machineBusyMs(): number {
  return cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

// ---- report -----------------------------------------------------------------------------------

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function summarize(stats: RouteStats, seconds: number) {
  const sorted = [...stats.latencies].sort((a, b) => a - b);
  const non2xx = Object.entries(stats.statuses)
    .filter(([status]) => !status.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    requests: sorted.length,
    perSecond: round(sorted.length / seconds, 1),
    p50Ms: round(quantile(sorted, 0.5)),
    p95Ms: round(quantile(sorted, 0.95)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
    meanMs: round(sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length)),
    non2xx,
    timeouts: stats.timeouts,
    statuses: stats.statuses,
  };
}

async function main(): Promise<void> {
  const seconds = Number(args.duration);
  const dir = mkdtempSync(join(tmpdir(), 'strata-http-bench-'));
  const profileDir = args['cpu-prof'] ? join(process.cwd(), 'tmp', 'http-load-prof') : null;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const { child, ready } = await startServer(join(dir, 'data'), profileDir);
  try {
    const random = prng(Number(args.seed));
    const client = new StrataClient({ baseUrl: ready.url, apiKey: ready.key });
    const seedStarted = performance.now();
    const workload = await seed(client, random);
    // With memory off nothing is stored (every add-message answers 200 skipped).
    const seeded = MEMORY_OFF ? 0 : workload.sessions.length * Number(args['messages-per-session']);
    console.log(
      `server ${ready.url} (pid ${ready.pid}); seeded ${seeded} messages in ${workload.sessions.length} sessions of ${workload.users.length} users in ${round((performance.now() - seedStarted) / 1000, 1)} s`,
    );
    // Every add-message answered 201 stored one new message (its clientMsgId is unique; 200 is a replay or skipped).
    const stored = (stats: Record<Route, RouteStats>) => stats['add-message'].statuses['201'] ?? 0;
    let messagesAtStart = seeded;
    if (Number(args.warmup) > 0) {
      const warmup = await load(ready.url, ready.key, workload, Number(args.warmup), random, 'warmup');
      messagesAtStart += stored(warmup.stats);
    }
    child.send({ type: 'reset-cpu' });
    const offered = args.rate === undefined ? 'closed loop' : `open loop at ${args.rate} requests/s offered, evenly spaced`;
    console.log(
      `load: ${args.connections} connections for ${seconds} s, ${mixLabel()}, ${offered}; ${args.workers} server process(es) ...`,
    );
    const loadCpu = process.cpuUsage();
    const machineBefore = machineBusyMs();
    const { stats, result } = await load(ready.url, ready.key, workload, seconds, random, 'load');
    const generatorCpu = process.cpuUsage(loadCpu);
    const machineMs = machineBusyMs() - machineBefore;
    const server = await stopServer(child);
    const messagesAtEnd = messagesAtStart + stored(stats);
    const elapsed = result.duration;
    const routes = Object.fromEntries(ROUTES.map((route) => [route, summarize(stats[route], elapsed)])) as Record<
      Route,
      ReturnType<typeof summarize>
    >;
    const total = ROUTES.reduce((sum, route) => sum + routes[route].requests, 0);
    const serverCpuMs = server.cpuUserMs + server.cpuSystemMs;
    const generatorCpuMs = (generatorCpu.user + generatorCpu.system) / 1000;
    // What the cores did besides this server and this generator: other processes sharing the machine.
    const othersCores = Math.max(0, (machineMs - serverCpuMs - generatorCpuMs) / (elapsed * 1000));
    const errors = result.errors + result.timeouts + ROUTES.reduce((sum, route) => sum + routes[route].non2xx, 0);
    const checks = {
      [`>= ${TARGETS.requestsPerSecond} requests/s`]: total / elapsed >= TARGETS.requestsPerSecond,
      ...Object.fromEntries(
        ROUTES.map((route) => [`${route} p95 <= ${TARGETS.p95Ms[route]} ms`, routes[route].p95Ms <= TARGETS.p95Ms[route]]),
      ),
      'zero errors': errors === 0,
    };
    const report = {
      startedAt: new Date(result.start).toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? '?',
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      note: `server and load generator (autocannon) share the same ${cpus().length} cores${othersCores > 0.15 ? `; other processes kept ${round(othersCores, 1)} cores busy during the run` : ''}`,
      settings: {
        durationS: round(elapsed, 1),
        connections: Number(args.connections),
        mix: MIX,
        seededMessages: seeded,
        // The store grows under the load: context and search cost grows with a user's memories,
        // so a faster server reads a bigger store by the end of the run (see the printed line).
        messagesAtStart,
        messagesAtEnd,
        users: workload.users.length,
        sessions: workload.sessions.length,
        logLevel: args['log-level'],
        workers: Number(args.workers),
        offeredRate: args.rate === undefined ? null : Number(args.rate),
        memory: MEMORY_OFF ? 'off (HTTP stack alone: nothing stored or read)' : 'on',
        auth: 'api key (sha256), per-key rate limit on',
      },
      total: {
        requests: total,
        perSecond: round(total / elapsed, 1),
        p50Ms: round(result.latency.p50),
        p99Ms: round(result.latency.p99),
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
      },
      routes,
      cpu: {
        serverPercent: round((serverCpuMs / (elapsed * 1000)) * 100, 1),
        serverMsPerRequest: round(serverCpuMs / Math.max(1, total), 3),
        // Kernel time (socket I/O, SQLite's reads and writes of pages) apart from user time.
        serverSystemMsPerRequest: round(server.cpuSystemMs / Math.max(1, total), 3),
        generatorPercent: round((generatorCpuMs / (elapsed * 1000)) * 100, 1),
        otherProcessesCores: round(othersCores),
        serverRssMiB: round(server.rssMiB, 1),
      },
      targets: checks,
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
    print(report);
    if (profileDir) console.log(`server CPU profile: ${profileDir}`);
  } finally {
    if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Printed {
  readonly total: { requests: number; perSecond: number };
  readonly routes: Record<Route, ReturnType<typeof summarize>>;
  readonly cpu: {
    serverPercent: number;
    serverMsPerRequest: number;
    serverSystemMsPerRequest: number;
    generatorPercent: number;
    serverRssMiB: number;
  };
  readonly targets: Record<string, boolean>;
  readonly note: string;
  readonly settings: { durationS: number; messagesAtStart: number; messagesAtEnd: number; users: number; memory: string };
}

function print(report: Printed): void {
  const text = (cell: string | number) => (typeof cell === 'number' && !Number.isInteger(cell) ? cell.toFixed(2) : String(cell));
  const line = (cells: Array<string | number>) =>
    cells.map((cell, i) => (i === 0 ? text(cell).padEnd(12) : text(cell).padStart(9))).join('');
  console.log(`\n${line(['route', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'non-2xx', 'timeouts'])}`);
  for (const route of ROUTES) {
    const { requests, perSecond, p50Ms, p95Ms, p99Ms, maxMs, non2xx, timeouts } = report.routes[route];
    console.log(line([route, requests, perSecond, p50Ms, p95Ms, p99Ms, maxMs, non2xx, timeouts]));
  }
  console.log(`${line(['total', report.total.requests, report.total.perSecond])}  in ${report.settings.durationS} s`);
  const { messagesAtStart, messagesAtEnd, users } = report.settings;
  console.log(
    `store: ${messagesAtStart} messages at the start of the timed load, ${messagesAtEnd} at its end (${Math.round(messagesAtStart / users)} → ${Math.round(messagesAtEnd / users)} a user)\n`,
  );
  if (report.settings.memory !== 'on') console.log(`memory ${report.settings.memory}`);
  const { serverPercent, serverMsPerRequest, serverSystemMsPerRequest, generatorPercent, serverRssMiB } = report.cpu;
  console.log(
    `CPU: server ${serverPercent}% of one core (${serverMsPerRequest} ms a request, ${serverSystemMsPerRequest} of it system), load generator ${generatorPercent}%; server RSS ${serverRssMiB} MiB`,
  );
  console.log(`Note: ${report.note}; the numbers include the generator's share.`);
  for (const [target, met] of Object.entries(report.targets)) console.log(`  ${met ? 'met ' : 'MISS'}  ${target}`);
  console.log(`wrote ${RESULTS.pathname}`);
}

if (args.serve) await serve();
else await main();
