import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { memoryInRam, TOPICS } from '../helpers/memory.js';

const opened: MemoryService[] = [];
afterEach(async () => {
  for (const memory of opened.splice(0)) await memory.close();
});

async function instrumented(): Promise<{ memory: MemoryService; metrics: PrometheusMetrics }> {
  const metrics = new PrometheusMetrics();
  const memory = await memoryInRam({ metrics });
  opened.push(memory);
  return { memory, metrics };
}

/** The value of one sample line `name{labels} value` in the exposition text (labels in prom-client's order). */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('Prometheus metrics', () => {
  it('report consolidation throughput and lag: turns and outputs, the backlog, the last success', async () => {
    const { memory, metrics } = await instrumented();
    for (const id of ['c1', 'c2']) {
      await memory.createSession({ id, userId: 'u1' });
      await memory.addMessages(
        id,
        TOPICS.slice(0, 4).map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
      );
    }
    const before = Date.now() / 1000;
    const counts = await memory.consolidate();
    expect(counts.sessions).toBe(2);
    const { body } = await metrics.render();
    expect(sample(body, 'strata_consolidated_total{output="sessions"}')).toBe(2);
    expect(sample(body, 'strata_consolidated_total{output="turns"}')).toBe(counts.turns);
    expect(sample(body, 'strata_consolidation_backlog_sessions')).toBe(2);
    expect(sample(body, 'strata_consolidation_last_success_timestamp_seconds')).toBeGreaterThanOrEqual(Math.floor(before));
    expect(sample(body, 'strata_consolidation_run_duration_seconds_count{outcome="ok"}')).toBe(1);
    // Nothing new: a run with an empty backlog.
    await memory.consolidate();
    expect(sample((await metrics.render()).body, 'strata_consolidation_backlog_sessions')).toBe(0);
  });

  it('count writes, redactions by type, memories by kind, and time every operation', async () => {
    const { memory, metrics } = await instrumented();
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [
      { role: 'user', content: 'mail me at jo@example.com or call +44 7911 123456', clientMsgId: 'a' },
      { role: 'assistant', content: TOPICS[0], clientMsgId: 'b' },
    ]);
    // The same clientMsgIds again: not written twice, not counted twice.
    await memory.addMessages('s1', [{ role: 'user', content: 'mail me at jo@example.com or call +44 7911 123456', clientMsgId: 'a' }]);
    await memory.remember({ userId: 'u1', text: 'from 10.1.2.3' });
    await memory.search('beagle', { userId: 'u1' });
    await memory.getContext('s1', { query: 'beagle' });
    const { body } = await metrics.render();
    expect(sample(body, 'strata_messages_written_total')).toBe(2);
    expect(sample(body, 'strata_memories_written_total{kind="turn"}')).toBe(2);
    expect(sample(body, 'strata_memories_written_total{kind="note"}')).toBe(1);
    // The repeated message is redacted again before the idempotency check: counted per write call.
    expect(sample(body, 'strata_redactions_total{type="email"}')).toBe(2);
    expect(sample(body, 'strata_redactions_total{type="phone"}')).toBe(2);
    expect(sample(body, 'strata_redactions_total{type="ip"}')).toBe(1);
    expect(sample(body, 'strata_operation_duration_seconds_count{operation="add_messages",outcome="ok"}')).toBe(2);
    expect(sample(body, 'strata_operation_duration_seconds_count{operation="search",outcome="ok"}')).toBe(1);
    expect(sample(body, 'strata_operation_duration_seconds_count{operation="get_context",outcome="ok"}')).toBe(1);
    expect(sample(body, 'strata_store_operation_duration_seconds_count{tier="episodic",operation="appendMessages",outcome="ok"}')).toBe(2);
    expect(
      sample(body, 'strata_store_operation_duration_seconds_count{tier="semantic",operation="keywordSearch",outcome="ok"}'),
    ).toBeGreaterThan(0);
    expect(sample(body, 'strata_store_operation_duration_seconds_count{tier="facts",operation="getFacts",outcome="ok"}')).toBeGreaterThan(
      0,
    );
  });

  it('count embedding provider calls and embedding cache hits and misses', async () => {
    const { memory, metrics } = await instrumented();
    await memory.createSession({ id: 's1', userId: 'u1' });
    await memory.addMessages('s1', [{ role: 'user', content: TOPICS[3] }]);
    const before = await metrics.render();
    const misses = sample(before.body, 'strata_cache_requests_total{cache="embedding",result="miss"}') ?? 0;
    expect(misses).toBeGreaterThan(0);
    expect(sample(before.body, 'strata_embedding_calls_total{outcome="ok"}')).toBeGreaterThan(0);
    // Embedding the same text again is a cache hit and no provider call.
    const calls = sample(before.body, 'strata_embedding_calls_total{outcome="ok"}');
    await memory.embedder.embed([TOPICS[3]]);
    const after = (await metrics.render()).body;
    expect(sample(after, 'strata_cache_requests_total{cache="embedding",result="hit"}')).toBe(1);
    expect(sample(after, 'strata_embedding_calls_total{outcome="ok"}')).toBe(calls);
    expect(sample(after, 'strata_embedding_texts_total')).toBe(misses);
  });

  it('count fact validations and violations by severity', async () => {
    const { memory, metrics } = await instrumented();
    const query = { userId: 'u1', subject: 'user', key: 'age' };
    await memory.setFactRule(query, { type: 'integer', min: 0, max: 150, severity: 'error' });
    await memory.setFact({ ...query, value: 41 });
    await memory.setFact({ ...query, value: 400 });
    await memory.validate(query, -3);
    const { body } = await metrics.render();
    expect(sample(body, 'strata_fact_validations_total{result="valid"}')).toBe(1);
    expect(sample(body, 'strata_fact_validations_total{result="violation"}')).toBe(2);
    expect(sample(body, 'strata_fact_violations_total{severity="error"}')).toBe(2);
  });

  it('keep one registry per instance: nothing in another instance, nothing in prom-client’s global registry', async () => {
    const a = await instrumented();
    const b = await instrumented();
    await a.memory.createSession({ id: 's1', userId: 'u1' });
    await a.memory.addMessages('s1', [{ role: 'user', content: TOPICS[1] }]);
    expect(sample((await a.metrics.render()).body, 'strata_messages_written_total')).toBe(1);
    expect(sample((await b.metrics.render()).body, 'strata_messages_written_total')).toBe(0);
    expect((await globalRegistry.getMetricsAsJSON()).filter((metric) => metric.name.startsWith('strata_'))).toEqual([]);
  });

  it('count reads answered without memory, by reason', async () => {
    const { memory, metrics } = await instrumented();
    await memory.createSession({ id: 's1', userId: 'u1' });
    memory.setGlobalMode('write_only');
    await memory.search('anything', { userId: 'u1' });
    await memory.getContext('s1');
    const { body } = await metrics.render();
    expect(sample(body, 'strata_read_fallbacks_total{operation="search",reason="mode_write_only"}')).toBe(1);
    expect(sample(body, 'strata_read_fallbacks_total{operation="get_context",reason="mode_write_only"}')).toBe(1);
    expect(sample(body, 'strata_operation_duration_seconds_count{operation="get_context",outcome="degraded"}')).toBe(1);
  });
});
