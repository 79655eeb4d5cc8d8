import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { SqliteApiKeyStore } from '../../src/auth/sqlite-api-key-store.js';
import { type CreateMemoryOptions, createMemory } from '../../src/config/create-memory.js';
import { sqliteStoreProbe } from '../../src/config/sqlite-readiness.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { type BuildAppDeps, buildApp } from '../../src/http/build-app.js';
import { embedderProbe } from '../../src/http/readiness.js';
import type { ApiKeyScope } from '../../src/spec/api-key-store.js';
import { tempDir } from '../helpers/memory.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpFixture {
  readonly app: FastifyInstance;
  readonly memory: MemoryService;
  readonly keys: ApiKeys;
  readonly dir: string;
  /** A fresh key of `tenantId` with `scopes`. */
  key(tenantId: string, scopes?: readonly ApiKeyScope[]): Promise<string>;
  /** A request with `token` as Bearer key (none when null); `payload` objects go as JSON. */
  call(
    token: string | null,
    method: Method,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The real app over real stores: SQLite files (memory + keys) in a temp dir, the offline
 * embedder, requests through `app.inject()`. Rate limiting is off unless `deps` sets it.
 */
export async function httpFixture(
  deps: Partial<Omit<BuildAppDeps, 'memory' | 'auth'>> = {},
  memoryOptions: Omit<CreateMemoryOptions, 'path'> = {},
): Promise<HttpFixture> {
  const { dir, cleanup } = tempDir();
  const database = join(dir, 'strata.db');
  const memory = await createMemory({ ...memoryOptions, path: database });
  const store = new SqliteApiKeyStore(join(dir, 'keys.db'));
  await store.open();
  const keys = new ApiKeys(store);
  const app = await buildApp({
    memory,
    auth: { mode: 'keys', keys },
    rateLimit: false,
    probes: { store: sqliteStoreProbe(memory, database), embedder: embedderProbe(memory) },
    ...deps,
  });
  return {
    app,
    memory,
    keys,
    dir,
    key: async (tenantId, scopes = ['read', 'write', 'admin']) => (await keys.create({ tenantId, scopes })).token,
    call: (token, method, url, payload, headers = {}) =>
      app.inject({
        method,
        url,
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
        ...(payload === undefined ? {} : typeof payload === 'string' ? { payload } : { payload: payload as object }),
      }),
    close: async () => {
      await app.close();
      await memory.close();
      await store.close();
      cleanup();
    },
  };
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

/** Asserts an RFC 9457 problem response with this status and code; returns its body. */
export function expectProblem(response: LightMyRequestResponse, status: number, code?: string): Record<string, unknown> {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = json(response);
  expect(body).toMatchObject({
    status,
    type: expect.stringMatching(/^urn:strata:error:/),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.instance).toEqual(expect.stringMatching(/^\//));
  expect(body.code).toEqual(expect.any(String));
  if (code !== undefined) expect(body.code).toBe(code);
  return body;
}

/** What a tenant holds, to show a refused request changed nothing. */
export async function tenantCounts(memory: MemoryService, tenantId: string, userId: string) {
  const tenant = memory.forTenant(tenantId);
  const sessions = await tenant.listSessions({ limit: 1000 });
  let messages = 0;
  for (const session of sessions) messages += (await tenant.listMessages(session.id, { limit: 1000 })).length;
  const facts = (await tenant.factHistory({ userId, subject: 'user', key: 'city' }).catch(() => [])).length;
  return { sessions: sessions.length, messages, memories: await tenant.countMemories(), facts };
}
