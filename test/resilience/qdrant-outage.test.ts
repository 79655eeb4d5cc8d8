import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import { CircuitBreakers } from '../../src/resilience/breaker.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

/**
 * Qdrant failing behind the breaker. No Qdrant can run here: the real @qdrant/js-client-rest talks
 * to the loopback stand-in (test/helpers/qdrant-stand-in.ts), switched to answer 503 to everything.
 */
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Qdrant index behind the breaker', () => {
  test('failing index writes open the qdrant breaker; writes still land in the durable store and search answers from it; it closes after the cool-down', async () => {
    const breakers = new CircuitBreakers({ failures: 3, halfOpenAfterMs: 400 });
    const memory = await createMemory({
      path: ':memory:',
      breakers,
      qdrant: { url: standIn.url, prefix: `strata_b${randomBytes(4).toString('hex')}` },
    });
    try {
      await memory.createSession({ id: 'chat', userId: 'alice' });
      await memory.addMessages('chat', [{ role: 'user', content: 'The ferry to the fjords leaves at nine.' }]);
      expect(breakers.state('qdrant')).toBe('closed');

      standIn.failing = true;
      for (let i = 0; i < 3; i++) await memory.addMessages('chat', [{ role: 'user', content: `Ferry note ${i}: bring a coat.` }]);
      expect(breakers.state('qdrant')).toBe('open');
      // Open: the index is not called at all, the durable write stands.
      const before = standIn.requests.length;
      const added = await memory.addMessages('chat', [{ role: 'user', content: 'One more ferry note while Qdrant is down.' }]);
      expect(added[0]?.created).toBe(true);
      expect(standIn.requests.length).toBe(before);
      const search = await memory.search('ferry', { userId: 'alice', mode: 'vector', k: 10 });
      expect(search.used).toBe(true);
      expect(search.results.length).toBeGreaterThan(0);
      expect(standIn.requests.length).toBe(before);

      standIn.failing = false;
      await sleep(450);
      await memory.addMessages('chat', [{ role: 'user', content: 'Qdrant is back, and so is the ferry.' }]);
      expect(breakers.state('qdrant')).toBe('closed');
      expect(standIn.requests.length).toBeGreaterThan(before);
    } finally {
      await memory.close();
    }
  });
});
