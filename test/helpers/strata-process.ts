// A Strata process for tests that need two of them on one PostgreSQL database: forked with
// `node --import tsx`, it opens createMemory over a PostgresStore (DATABASE_URL, STRATA_PG_SCHEMA)
// and runs the memory operations the parent sends over IPC, answering each with its result.
// With REDIS_URL (and STRATA_REDIS_PREFIX) it puts the Redis tier in front, as `strata serve` does.
import { createMemory } from '../../src/config/create-memory.js';
import { createPostgresStore } from '../../src/stores/postgres/create-postgres-store.js';

export interface Request {
  readonly id: number;
  readonly op: 'createSession' | 'getSession' | 'addMessages' | 'listMessages' | 'search' | 'getContext' | 'close';
  readonly args: unknown[];
}

const url = process.env.DATABASE_URL;
const schema = process.env.STRATA_PG_SCHEMA;
if (!url || !schema || !process.send) throw new Error('strata-process needs DATABASE_URL, STRATA_PG_SCHEMA and an IPC channel');
const send = process.send.bind(process);

const memory = await createMemory({
  store: createPostgresStore({ connectionString: url, schema, poolMax: 4, log: () => {} }),
  redisUrl: process.env.REDIS_URL || undefined,
  redisKeyPrefix: process.env.STRATA_REDIS_PREFIX || undefined,
});

process.on('message', async (request: Request) => {
  try {
    const [first, second] = request.args as [never, never];
    let result: unknown;
    if (request.op === 'createSession') result = await memory.createSession(first);
    else if (request.op === 'getSession') result = await memory.getSession(first);
    else if (request.op === 'getContext') result = await memory.getContext(first, second);
    else if (request.op === 'addMessages') result = await memory.addMessages(first, second);
    else if (request.op === 'listMessages') result = await memory.listMessages(first, second);
    else if (request.op === 'search') result = (await memory.search(first, second)).results.map((hit) => hit.memory.text);
    else {
      await memory.close();
      result = null;
    }
    send({ id: request.id, result, pid: process.pid });
    if (request.op === 'close') process.disconnect();
  } catch (error) {
    send({ id: request.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), pid: process.pid });
  }
});
send({ ready: true, pid: process.pid });
