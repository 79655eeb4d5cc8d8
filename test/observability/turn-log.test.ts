import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { buildApp } from '../../src/http/build-app.js';
import { captureLog } from '../helpers/log-capture.js';
import { memoryInRam } from '../helpers/memory.js';

const SECRET_TEXT = 'my grandmother kept the spare key under the blue flowerpot';
const SECRET_QUERY = 'where is the flowerpot key hidden';
const PII = 'ayse.demir@example.com';
/** Words of the content that must never reach a log line. */
const WORDS = ['grandmother', 'flowerpot', 'spare key', 'hidden', 'ayse', 'demir', 'example.com'];

let memory: MemoryService | null = null;
afterEach(async () => {
  await memory?.close();
  memory = null;
});

describe('turn log', () => {
  it('writes one JSON line per add_messages / get_context / search / remember with ids and timings, never text', async () => {
    const log = captureLog();
    memory = await memoryInRam({ logger: log.logger });
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [{ role: 'user', content: `${SECRET_TEXT}, write to ${PII}` }]);
    await memory.getContext('s1', { query: SECRET_QUERY });
    await memory.search(SECRET_QUERY, { userId: 'u1', sessionId: 's1' });
    await memory.remember({ userId: 'u1', text: SECRET_TEXT });
    await expect(memory.addMessages('nope', [{ role: 'user', content: SECRET_TEXT }])).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });

    const lines = log.lines().filter((line) => line.msg === 'memory_turn');
    expect(lines.map((line) => line.op)).toEqual(['add_messages', 'get_context', 'search', 'remember', 'add_messages']);
    expect(lines[0]).toMatchObject({
      level: 30,
      component: 'strata.memory',
      tenant: 'default',
      user: 'u1',
      session: 's1',
      memory: { mode: 'read_write', read_ms: null, breaker: null, retry_after: null, used: true, reason: null },
      messages: { count: 1, created: 1 },
      redactions: { email: 1 },
    });
    expect(lines[0]?.memory).toHaveProperty('write_ms', expect.any(Number));
    expect(lines[1]).toMatchObject({ op: 'get_context', user: 'u1', session: 's1', memory: { write_ms: null, used: true, reason: null } });
    expect(lines[1]?.memory).toHaveProperty('read_ms', expect.any(Number));
    expect(lines[4]).toMatchObject({ level: 40, session: 'nope', error: 'SESSION_NOT_FOUND', memory: { used: false, reason: 'error' } });

    const raw = log.raw().toLowerCase();
    for (const word of WORDS) expect(raw.includes(word), word).toBe(false);
  });

  it('through HTTP: neither the request log nor the turn log holds message content or queries', async () => {
    const turns = captureLog();
    const requestLog: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        requestLog.push(String(chunk));
        done();
      },
    });
    memory = await memoryInRam({ logger: turns.logger });
    const app = await buildApp({ memory, auth: { mode: 'none' }, docs: false, rateLimit: false, logger: { level: 'info', stream } });
    try {
      const post = (url: string, payload: Record<string, unknown>) => app.inject({ method: 'POST', url, payload });
      expect((await post('/v1/sessions', { id: 's1', userId: 'u1' })).statusCode).toBe(201);
      expect((await post('/v1/sessions/s1/messages', { messages: [{ role: 'user', content: `${SECRET_TEXT} ${PII}` }] })).statusCode).toBe(
        201,
      );
      expect((await post('/v1/sessions/s1/context', { query: SECRET_QUERY })).statusCode).toBe(200);
      // A request that fails validation: the error log line must not quote the body either.
      expect((await post('/v1/sessions/s1/messages', { messages: [{ role: 'robot', content: SECRET_TEXT }] })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
    expect(requestLog.length).toBeGreaterThan(0);
    expect(turns.lines().filter((line) => line.msg === 'memory_turn').length).toBe(2);
    const raw = `${requestLog.join('')}${turns.raw()}`.toLowerCase();
    for (const word of WORDS) expect(raw.includes(word), word).toBe(false);
  });
});
