import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MessageInput } from '../../src/core/types.js';
import { ERROR_CODES, StrataError } from '../../src/errors/strata-error.js';
import { expectStrataError, memoryInRam, snapshot, tempDir } from '../helpers/memory.js';
import { BrokenProvider } from '../helpers/test-models.js';

const ok = (content: string, extra: Partial<MessageInput> = {}): MessageInput => ({ role: 'user', content, ...extra });

describe('StrataError', () => {
  it('carries a stable code, an HTTP status and JSON without user content', () => {
    const error = new StrataError('SESSION_NOT_FOUND', 'session s1 not found', { details: { sessionId: 's1' } });
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(404);
    expect(error.toJSON()).toEqual({ code: 'SESSION_NOT_FOUND', message: 'session s1 not found', details: { sessionId: 's1' } });
    expect(StrataError.is(error, 'SESSION_NOT_FOUND')).toBe(true);
    expect(StrataError.is(error, 'INVALID_ID')).toBe(false);
    expect(StrataError.is(new Error('x'))).toBe(false);
    for (const status of Object.values(ERROR_CODES)) expect([400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504]).toContain(status);
  });
});

describe('bad writes raise a typed error and store nothing', () => {
  let memory: MemoryService;
  beforeEach(async () => {
    memory = await memoryInRam({ maxTextLength: 200 });
    await memory.createSession({ id: 's1', userId: 'alice' });
    await memory.addMessages('s1', [ok('already here', { clientMsgId: 'c-0' })]);
  });
  afterEach(async () => {
    await memory.close();
  });

  const cases: Array<[string, () => MessageInput[] | unknown, string]> = [
    ['empty content', () => [ok('')], 'INVALID_INPUT'],
    ['whitespace content', () => [ok(' \n\t  ')], 'INVALID_INPUT'],
    ['non-string content', () => [{ role: 'user', content: 42 }], 'INVALID_INPUT'],
    ['NUL in content', () => [ok('a\u0000b')], 'INVALID_INPUT'],
    ['bad role', () => [{ role: 'robot', content: 'hi' }], 'INVALID_INPUT'],
    ['missing role', () => [{ content: 'hi' }], 'INVALID_INPUT'],
    ['metadata that is an array', () => [ok('hi', { metadata: [1, 2] as never })], 'INVALID_INPUT'],
    ['metadata that is a string', () => [ok('hi', { metadata: 'x' as never })], 'INVALID_INPUT'],
    ['metadata with a BigInt', () => [ok('hi', { metadata: { n: 10n } as never })], 'INVALID_INPUT'],
    ['metadata that is circular', () => [ok('hi', { metadata: circular() as never })], 'INVALID_INPUT'],
    ['oversized metadata', () => [ok('hi', { metadata: { blob: 'x'.repeat(20_000) } })], 'TEXT_TOO_LONG'],
    ['a bad createdAt', () => [ok('hi', { createdAt: 'last tuesday' })], 'INVALID_INPUT'],
    ['an empty speaker name', () => [ok('hi', { name: '' })], 'INVALID_INPUT'],
    ['empty batch', () => [], 'INVALID_INPUT'],
    ['not an array', () => ok('hi'), 'INVALID_INPUT'],
    ['oversized batch (1001)', () => Array.from({ length: 1001 }, (_, i) => ok(`message ${i}`)), 'INVALID_INPUT'],
    ['content over maxTextLength', () => [ok('x'.repeat(201))], 'TEXT_TOO_LONG'],
    ['clientMsgId ../x', () => [ok('hi', { clientMsgId: '../x' })], 'INVALID_ID'],
    ['clientMsgId empty', () => [ok('hi', { clientMsgId: '' })], 'INVALID_ID'],
    ['clientMsgId 200 chars', () => [ok('hi', { clientMsgId: 'a'.repeat(200) })], 'INVALID_ID'],
    ['clientMsgId with a space', () => [ok('hi', { clientMsgId: 'a b' })], 'INVALID_ID'],
    ['clientMsgId reused with other content', () => [ok('something else', { clientMsgId: 'c-0' })], 'IDEMPOTENCY_CONFLICT'],
    [
      'clientMsgId reused with another role',
      () => [{ role: 'assistant', content: 'already here', clientMsgId: 'c-0' }],
      'IDEMPOTENCY_CONFLICT',
    ],
    ['3rd message has empty content', () => [ok('one'), ok('two'), ok(''), ok('four')], 'INVALID_INPUT'],
    ['3rd message has a bad role', () => [ok('one'), ok('two'), { role: 'narrator', content: 'three' }], 'INVALID_INPUT'],
    ['3rd message has a bad clientMsgId', () => [ok('one'), ok('two'), ok('three', { clientMsgId: 'x/y' })], 'INVALID_ID'],
    ['3rd message is too long', () => [ok('one'), ok('two'), ok('y'.repeat(500))], 'TEXT_TOO_LONG'],
    [
      '3rd message conflicts with a stored clientMsgId',
      () => [ok('one', { clientMsgId: 'n-1' }), ok('two', { clientMsgId: 'n-2' }), ok('changed', { clientMsgId: 'c-0' })],
      'IDEMPOTENCY_CONFLICT',
    ],
    [
      '3rd message conflicts with the 1st of the same batch',
      () => [ok('one', { clientMsgId: 'n-1' }), ok('two'), ok('not one', { clientMsgId: 'n-1' })],
      'IDEMPOTENCY_CONFLICT',
    ],
  ];

  it.each(cases)('%s', async (_name, batch, code) => {
    const before = await snapshot(memory, 's1');
    await expectStrataError(memory.addMessages('s1', batch() as MessageInput[]), code as StrataError['code']);
    expect(await snapshot(memory, 's1')).toEqual(before);
    expect(before).toEqual({ messages: 1, memories: 1, lastSeq: 1 });
  });

  const BAD_IDS = [
    { label: '../x', id: '../x' },
    { label: 'empty', id: '' },
    { label: '200 characters', id: 'a'.repeat(200) },
    { label: 'a b', id: 'a b' },
    { label: '-leading-dash', id: '-leading-dash' },
  ];

  it.each(BAD_IDS)('session id $label is INVALID_ID', async ({ id: sessionId }) => {
    const before = await snapshot(memory, 's1');
    await expectStrataError(memory.addMessages(sessionId, [ok('hi')]), 'INVALID_ID');
    await expectStrataError(memory.createSession({ id: sessionId, userId: 'alice' }), 'INVALID_ID');
    await expectStrataError(memory.getSession(sessionId), 'INVALID_ID');
    expect(await snapshot(memory, 's1')).toEqual(before);
    expect(await memory.listSessions()).toHaveLength(1);
  });

  it.each(BAD_IDS)('user id $label is INVALID_ID', async ({ id: userId }) => {
    await expectStrataError(memory.createSession({ id: 's2', userId }), 'INVALID_ID');
    await expectStrataError(memory.remember({ userId, text: 'hi' }), 'INVALID_ID');
    await expectStrataError(memory.setFact({ userId, subject: 'user', key: 'k', value: 1 }), 'INVALID_ID');
    await expectStrataError(memory.search('hi', { userId }), 'INVALID_ID');
    expect(await memory.listSessions()).toHaveLength(1);
    expect(await memory.countMemories()).toBe(1);
  });

  it('SESSION_NOT_FOUND: writing to a session that does not exist stores nothing', async () => {
    await expectStrataError(memory.addMessages('ghost', [ok('hello?')]), 'SESSION_NOT_FOUND');
    await expectStrataError(memory.getSession('ghost'), 'SESSION_NOT_FOUND');
    expect(await memory.countMemories()).toBe(1);
  });

  it('MEMORY_NOT_FOUND: get, update and forget of an unknown id', async () => {
    await expectStrataError(memory.getMemory('mem_missing'), 'MEMORY_NOT_FOUND');
    await expectStrataError(memory.updateMemory('mem_missing', { text: 'x' }), 'MEMORY_NOT_FOUND');
    await expectStrataError(memory.forget('mem_missing'), 'MEMORY_NOT_FOUND');
    await expectStrataError(memory.getMemory('not an id'), 'INVALID_ID');
  });

  it('SCOPE_CONFLICT: a session id taken by another user stores nothing for the second', async () => {
    await expectStrataError(memory.createSession({ id: 's1', userId: 'mallory' }), 'SCOPE_CONFLICT');
    expect((await memory.getSession('s1')).userId).toBe('alice');
    expect(await memory.listSessions({ userId: 'mallory' })).toEqual([]);
  });

  it('TEXT_TOO_LONG: remember and updateMemory over maxTextLength', async () => {
    const error = await expectStrataError(memory.remember({ userId: 'alice', text: 'z'.repeat(201) }), 'TEXT_TOO_LONG');
    expect(error.details).toMatchObject({ limit: 200, length: 201 });
    const { memory: note } = await memory.remember({ userId: 'alice', text: 'short' });
    await expectStrataError(memory.updateMemory(note.id, { text: 'z'.repeat(201) }), 'TEXT_TOO_LONG');
    expect((await memory.getMemory(note.id)).text).toBe('short');
  });

  it('INVALID_ID for a tenant id', () => {
    for (const tenant of ['../other', '', 'a b']) {
      expect(() => memory.forTenant(tenant)).toThrowError(expect.objectContaining({ name: 'StrataError', code: 'INVALID_ID' }));
    }
  });
});

describe('a misbehaving embedding provider', () => {
  let provider: BrokenProvider;
  let memory: MemoryService;
  beforeAll(async () => {
    provider = await BrokenProvider.create();
    memory = await memoryInRam({ embedding: provider });
    await memory.createSession({ id: 's1', userId: 'alice' });
    await memory.addMessages('s1', [ok('written while the provider worked')]);
  });
  afterAll(async () => {
    await memory.close();
  });
  afterEach(() => {
    provider.breakage = 'none';
  });

  it.each([
    ['wrong-dimensions', 'DIMENSION_MISMATCH'],
    ['throws', 'EMBEDDING_FAILED'],
    ['non-finite', 'EMBEDDING_FAILED'],
    ['wrong-count', 'EMBEDDING_FAILED'],
  ] as const)('%s: addMessages and remember raise %s and store nothing', async (breakage, code) => {
    provider.breakage = breakage;
    const before = await snapshot(memory, 's1');
    const error = await expectStrataError(
      memory.addMessages('s1', [ok(`first new text ${breakage}`), ok(`second new text ${breakage}`)]),
      code,
    );
    if (code === 'DIMENSION_MISMATCH')
      expect(error.details).toMatchObject({ expected: provider.dimensions, actual: provider.dimensions - 1 });
    await expectStrataError(memory.remember({ userId: 'alice', text: `a note while ${breakage}` }), code);
    expect(await snapshot(memory, 's1')).toEqual(before);
    // The broken vectors were not cached: once the provider recovers the same texts embed fine.
    provider.breakage = 'none';
    const added = await memory.addMessages('s1', [ok(`first new text ${breakage}`), ok(`second new text ${breakage}`)]);
    expect(added.every((m) => m.created)).toBe(true);
  });

  it('failing on the turn chunks a batch closes (after its turns embedded): addMessages on SQLite stores nothing', async () => {
    // SQLite stores the chunks with the messages in one write (appendMessagesWith), so they are
    // embedded first. Its own store, not memoryInRam's: the Redis tier makes three writes.
    const own = await createMemory({ path: ':memory:', embedding: provider });
    const real = provider.embed.bind(provider);
    let calls = 0;
    provider.embed = async (texts) => {
      calls++;
      if (calls === 2) provider.breakage = 'throws';
      return real(texts);
    };
    try {
      await own.createSession({ id: 's1', userId: 'alice' });
      const before = await snapshot(own, 's1');
      const batch = [1, 2, 3, 4].map((n) => ok(`chunk closing message ${n}`));
      await expectStrataError(own.addMessages('s1', batch), 'EMBEDDING_FAILED');
      expect(calls).toBe(2);
      expect(await snapshot(own, 's1')).toEqual(before);
    } finally {
      provider.embed = real;
      await own.close();
    }
  });
});

describe('STORE_UNAVAILABLE', () => {
  it('opening a database in a directory that does not exist', async () => {
    const { dir, cleanup } = tempDir();
    try {
      await expectStrataError(createMemory({ path: join(dir, 'no', 'such', 'dir', 'strata.db') }), 'STORE_UNAVAILABLE');
    } finally {
      cleanup();
    }
  });
});

describe('CLOSED', () => {
  it('using the service after close() raises CLOSED, not a driver error', async () => {
    // Bug: src/stores/sqlite/sqlite-store.ts (and MemoryService) never raise CLOSED; better-sqlite3's
    // "The database connection is not open" TypeError leaks out instead.
    const memory = await memoryInRam();
    await memory.createSession({ id: 's1', userId: 'alice' });
    await memory.close();
    await expectStrataError(memory.addMessages('s1', [ok('too late')]), 'CLOSED');
    await expectStrataError(memory.search('anything'), 'CLOSED');
  });
});

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 };
  value.self = value;
  return value;
}
