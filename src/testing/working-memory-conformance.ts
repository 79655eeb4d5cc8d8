import { describe, expect, test } from 'vitest';
import { StrataError } from '../errors/strata-error.js';
import type { WorkingMemoryV1 } from '../spec/working-memory.js';

export interface WorkingMemoryConformanceOptions {
  /** A fresh, opened working memory per test, and how to dispose of it. */
  readonly create: () => Promise<{ working: WorkingMemoryV1; cleanup: () => Promise<void> }>;
  /** Tests this backend skips, each with the reason. */
  readonly skip?: ReadonlyArray<{ readonly reason: string; readonly tests: readonly string[] }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The behaviour every WorkingMemoryV1 backend must have (scratchpads, TTL, scoping, validation). */
export function workingMemoryConformance(name: string, options: WorkingMemoryConformanceOptions): void {
  const skipped = new Set((options.skip ?? []).flatMap((entry) => entry.tests));
  const it = (title: string, body: (working: WorkingMemoryV1) => Promise<void>) =>
    test.skipIf(skipped.has(title))(title, async () => {
      const { working, cleanup } = await options.create();
      try {
        await body(working);
      } finally {
        await cleanup();
      }
    });
  const a = { tenantId: 'acme', sessionId: 'chat-1' };

  describe(`WorkingMemoryV1 conformance: ${name}`, () => {
    it('set, get, list and delete a scratch entry', async (working) => {
      const before = Date.now();
      const entry = await working.setScratch(a, 'plan', { steps: ['search', 'book'], done: 0 });
      expect(entry.value).toEqual({ steps: ['search', 'book'], done: 0 });
      expect(entry.updatedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(entry.expiresAt - entry.updatedAt).toBe(24 * 60 * 60 * 1000);
      await working.setScratch(a, 'draft', 'Dear Ada');
      expect((await working.getScratch(a, 'plan'))?.value).toEqual({ steps: ['search', 'book'], done: 0 });
      expect((await working.listScratch(a)).map((e) => [e.key, e.value])).toEqual([
        ['draft', 'Dear Ada'],
        ['plan', { steps: ['search', 'book'], done: 0 }],
      ]);
      expect(await working.deleteScratch(a, 'plan')).toBe(true);
      expect(await working.deleteScratch(a, 'plan')).toBe(false);
      expect(await working.getScratch(a, 'plan')).toBeNull();
      expect((await working.listScratch(a)).map((e) => e.key)).toEqual(['draft']);
    });

    it('a set replaces the value and its TTL', async (working) => {
      await working.setScratch(a, 'k', 1, { ttlMs: 60_000 });
      const second = await working.setScratch(a, 'k', 2, { ttlMs: 120_000 });
      expect(second.expiresAt - second.updatedAt).toBe(120_000);
      expect(await working.getScratch(a, 'k')).toEqual(second);
    });

    it('entries expire after their TTL', async (working) => {
      await working.setScratch(a, 'short', 'gone soon', { ttlMs: 150 });
      await working.setScratch(a, 'long', 'stays', { ttlMs: 60_000 });
      expect((await working.getScratch(a, 'short'))?.value).toBe('gone soon');
      await sleep(300);
      expect(await working.getScratch(a, 'short')).toBeNull();
      expect((await working.listScratch(a)).map((e) => e.key)).toEqual(['long']);
      expect(await working.deleteScratch(a, 'short')).toBe(false);
    });

    it('scratchpads are scoped by tenant and session', async (working) => {
      await working.setScratch(a, 'k', 'acme chat-1');
      await working.setScratch({ tenantId: 'acme', sessionId: 'chat-2' }, 'k', 'acme chat-2');
      await working.setScratch({ tenantId: 'other', sessionId: 'chat-1' }, 'k', 'other chat-1');
      expect((await working.getScratch(a, 'k'))?.value).toBe('acme chat-1');
      expect((await working.getScratch({ tenantId: 'other', sessionId: 'chat-1' }, 'k'))?.value).toBe('other chat-1');
      expect(await working.clearSessions('acme', ['chat-1'])).toBe(1);
      expect(await working.getScratch(a, 'k')).toBeNull();
      expect((await working.getScratch({ tenantId: 'acme', sessionId: 'chat-2' }, 'k'))?.value).toBe('acme chat-2');
      expect((await working.getScratch({ tenantId: 'other', sessionId: 'chat-1' }, 'k'))?.value).toBe('other chat-1');
    });

    it('bad input is a StrataError and writes nothing', async (working) => {
      const codes: string[] = [];
      const attempts: Array<() => Promise<unknown>> = [
        () => working.setScratch(a, '', 1),
        () => working.setScratch(a, 'k', 1, { ttlMs: 0 }),
        () => working.setScratch(a, 'k', 1, { ttlMs: 1.5 }),
        () => working.setScratch(a, 'k', 'x'.repeat(300 * 1024)),
        () => working.setScratch({ tenantId: 'acme', sessionId: 'bad id!' }, 'k', 1),
        () => working.setScratch(a, 'k', undefined as never),
      ];
      for (const attempt of attempts) {
        try {
          await attempt();
          codes.push('none');
        } catch (error) {
          codes.push(error instanceof StrataError ? error.code : 'other');
        }
      }
      expect(codes).toEqual(['INVALID_INPUT', 'INVALID_INPUT', 'INVALID_INPUT', 'TEXT_TOO_LONG', 'INVALID_ID', 'INVALID_INPUT']);
      expect(await working.listScratch(a)).toEqual([]);
    });
  });
}
