import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type CreateMemoryOptions, createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { StrataError, type StrataErrorCode } from '../../src/errors/strata-error.js';
import { dropPrefix, randomPrefix } from './redis.js';
import { SERVICES } from './services.js';

/** A fresh directory under the OS temp dir; `cleanup` removes it and everything in it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'strata-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A throwaway embedded memory (SQLite `:memory:`, the real offline embedder). With
 * STRATA_TEST_REDIS_TIER=1 the same memory sits behind the Redis tier (random key prefix,
 * deleted on close): CI runs the core suite both ways, so the tier must answer as SQLite does.
 */
export async function memoryInRam(options: CreateMemoryOptions = {}): Promise<MemoryService> {
  if (process.env.STRATA_TEST_REDIS_TIER !== '1' || options.store !== undefined) return createMemory({ path: ':memory:', ...options });
  const prefix = randomPrefix();
  const memory = await createMemory({ path: ':memory:', redisUrl: SERVICES.redis, redisKeyPrefix: prefix, ...options });
  const close = memory.close.bind(memory);
  memory.close = async () => {
    await close();
    await dropPrefix(SERVICES.redis, prefix);
  };
  return memory;
}

/** Awaits `action`, asserts it rejects with a StrataError of `code`, and returns the error. */
export async function expectStrataError(action: Promise<unknown> | (() => Promise<unknown>), code: StrataErrorCode): Promise<StrataError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a StrataError ${code}`).toBeInstanceOf(StrataError);
  const error = caught as StrataError;
  expect(error.code, error.message).toBe(code);
  return error;
}

export interface WriteSnapshot {
  readonly messages: number;
  readonly memories: number;
  readonly lastSeq: number | null;
}

/** What is stored: the session's messages and last seq (when given) and every memory of the tenant. */
export async function snapshot(memory: MemoryService, sessionId?: string): Promise<WriteSnapshot> {
  const session = sessionId === undefined ? null : await memory.getSession(sessionId);
  const messages = sessionId === undefined ? 0 : (await memory.listMessages(sessionId, { limit: 1000 })).length;
  return { messages, memories: await memory.countMemories(), lastSeq: session?.lastSeq ?? null };
}

/** Ids of the memories a search returns, best first. */
export async function searchIds(
  memory: MemoryService,
  query: string,
  options: Parameters<MemoryService['search']>[1] = {},
): Promise<string[]> {
  return (await memory.search(query, options)).results.map((result) => result.memory.id);
}

/** Messages with distinct, topic-specific content (easy to find by keyword and by vector). */
export const TOPICS = [
  'My dog Biscuit is a beagle who loves chasing squirrels in the park',
  'I am allergic to peanuts and cashews, so please avoid nut sauces',
  'Our flat in Girne has a balcony facing the harbour and the castle',
  'The quarterly budget review is scheduled with finance on Thursday',
  'I started learning the violin last spring and practise scales daily',
  'The espresso machine leaks water from the steam wand gasket',
  'We are planning a ferry trip along the Norwegian fjords in July',
  'My daughter is revising covalent bonding for her chemistry exam',
  'The kitchen renovation needs new oak worktops and a ceramic sink',
  'I run ten kilometres every Sunday morning along the river path',
  'The payments service throws timeouts when the database pool is exhausted',
  'Green roofs reduce stormwater runoff according to the Berlin study',
  'Please book a table for four at the seafood restaurant on Friday',
  'The parcel sorting job on call crashed after the midnight deploy',
  'My credit card balance is eleven hundred pounds at nineteen percent interest',
  'The recruiter wants a backend engineer with Kafka and Postgres experience',
] as const;
