import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RedactionCounts } from '../privacy/pii-types.js';
import type { BreakerObserver, BreakerState, BreakerTier, CircuitBreakers } from '../resilience/breaker.js';
import { MEMORY_MODES, type MemoryModes } from '../resilience/memory-modes.js';
import {
  type ConsolidationRun,
  consolidationOutputs,
  type MemoryOperation,
  type MetricsSink,
  type OperationOutcome,
  type StoreTier,
} from './metrics-sink.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

const BREAKER_VALUES: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Counts of stored records, read at scrape time (cheap: see sqlite-record-counts.ts). */
export type RecordCounts = () => Promise<Readonly<Record<string, number>>> | Readonly<Record<string, number>>;

export interface PrometheusMetricsOptions {
  /** Node process metrics (CPU, memory, event loop) with the `strata_` prefix. Default false (tests make many instances). */
  readonly processMetrics?: boolean;
}

/**
 * Strata's Prometheus metrics in a registry of their own (never prom-client's global one),
 * so that every service instance, and every test, has its own. Names carry the `strata_`
 * prefix and their unit. `METRIC_NAMES` lists them for the dashboard and alert-rule checks.
 */
export class PrometheusMetrics implements MetricsSink, BreakerObserver {
  readonly registry = new Registry();
  private readonly operationSeconds: Histogram<'operation' | 'outcome'>;
  private readonly fallbacks: Counter<'operation' | 'reason'>;
  private readonly messages: Counter;
  private readonly memories: Counter<'kind'>;
  private readonly redacted: Counter<'type'>;
  private readonly validations: Counter<'result'>;
  private readonly violations: Counter<'severity'>;
  private readonly storeSeconds: Histogram<'tier' | 'operation' | 'outcome'>;
  private readonly embeddingCalls: Counter<'outcome'>;
  private readonly embeddingTexts: Counter;
  private readonly embeddingSeconds: Histogram;
  private readonly cacheRequests: Counter<'cache' | 'result'>;
  private readonly breakerGauge: Gauge<'tier'>;
  private readonly breakerTransitions: Counter<'tier' | 'from' | 'to'>;
  private readonly downgrades: Counter<'reason'>;
  private readonly consolidationSeconds: Histogram<'outcome'>;
  private readonly consolidated: Counter<'output'>;
  private readonly consolidationBacklog: Gauge;
  private readonly consolidationLastSuccess: Gauge;
  private modes: MemoryModes | null = null;
  private board: CircuitBreakers | null = null;
  private counts: RecordCounts | null = null;

  constructor(options: PrometheusMetricsOptions = {}) {
    const registers = [this.registry];
    this.operationSeconds = new Histogram({
      name: 'strata_operation_duration_seconds',
      help: 'Latency of core operations (add_messages, remember, get_context, search) by outcome',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.fallbacks = new Counter({
      name: 'strata_read_fallbacks_total',
      help: 'Reads answered without memories (used: false), by reason: timeout, mode_write_only, mode_off, breaker_open, store_unavailable',
      labelNames: ['operation', 'reason'],
      registers,
    });
    this.messages = new Counter({
      name: 'strata_messages_written_total',
      help: 'Messages stored (idempotent repeats excluded)',
      registers,
    });
    this.memories = new Counter({
      name: 'strata_memories_written_total',
      help: 'Memories stored, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.redacted = new Counter({
      name: 'strata_redactions_total',
      help: 'Personal data masked before storing or embedding, by type',
      labelNames: ['type'],
      registers,
    });
    this.validations = new Counter({
      name: 'strata_fact_validations_total',
      help: 'Fact values checked against their rule, by result (valid, violation)',
      labelNames: ['result'],
      registers,
    });
    this.violations = new Counter({
      name: 'strata_fact_violations_total',
      help: 'Fact values that broke their rule, by severity',
      labelNames: ['severity'],
      registers,
    });
    this.storeSeconds = new Histogram({
      name: 'strata_store_operation_duration_seconds',
      help: 'Latency of store calls by tier and operation',
      labelNames: ['tier', 'operation', 'outcome'],
      buckets: STORE_BUCKETS,
      registers,
    });
    this.embeddingCalls = new Counter({
      name: 'strata_embedding_calls_total',
      help: 'Calls to the embedding provider (cache misses only), by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.embeddingTexts = new Counter({ name: 'strata_embedding_texts_total', help: 'Texts sent to the embedding provider', registers });
    this.embeddingSeconds = new Histogram({
      name: 'strata_embedding_duration_seconds',
      help: 'Latency of embedding provider calls',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.cacheRequests = new Counter({
      name: 'strata_cache_requests_total',
      help: 'Cache lookups by cache (embedding) and result (hit, miss)',
      labelNames: ['cache', 'result'],
      registers,
    });
    const metrics = this;
    this.breakerGauge = new Gauge({
      name: 'strata_breaker_state',
      help: 'Circuit breaker state per remote tier (postgres, redis, qdrant, llm, embedding): 0 closed, 1 half-open, 2 open',
      labelNames: ['tier'],
      registers,
      collect() {
        // Watched tiers (the Redis connection's own cool-down) are read now.
        const board = metrics.board;
        if (board) for (const tier of board.tiers()) this.set({ tier }, BREAKER_VALUES[board.state(tier) ?? 'closed']);
      },
    });
    this.breakerTransitions = new Counter({
      name: 'strata_breaker_transitions_total',
      help: 'Circuit breaker state changes, by tier and the states left and entered',
      labelNames: ['tier', 'from', 'to'],
      registers,
    });
    this.downgrades = new Counter({
      name: 'strata_downgrades_total',
      help: 'Tenants downgraded to write_only for a cool-down, by reason (provider_auth: sustained 401/403)',
      labelNames: ['reason'],
      registers,
    });
    this.consolidationSeconds = new Histogram({
      name: 'strata_consolidation_run_duration_seconds',
      help: 'Consolidation runs (a call, a worker tick, the server schedule), by outcome',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    this.consolidated = new Counter({
      name: 'strata_consolidated_total',
      help: 'What consolidation did, by output: sessions, turns (throughput), summaries, notes, merged, failed',
      labelNames: ['output'],
      registers,
    });
    this.consolidationBacklog = new Gauge({
      name: 'strata_consolidation_backlog_sessions',
      help: 'Sessions with turns past their checkpoint when the last consolidation run started (lag, in sessions)',
      registers,
    });
    this.consolidationLastSuccess = new Gauge({
      name: 'strata_consolidation_last_success_timestamp_seconds',
      help: 'When a consolidation run last finished without a failing session (lag, in time: time() minus this)',
      registers,
    });
    const self = this;
    new Gauge({
      name: 'strata_memory_mode',
      help: 'Memory mode in force (1 for the current mode): tenant "*" is the global mode, other tenants have an override',
      labelNames: ['tenant', 'mode'],
      registers,
      collect() {
        this.reset();
        if (!self.modes) return;
        const snapshot = self.modes.snapshot();
        const entries: Array<[string, string]> = [
          ['*', snapshot.global],
          ...Object.entries(snapshot.tenants).map(([t, o]): [string, string] => [t, o.mode]),
        ];
        for (const [tenant, current] of entries) for (const mode of MEMORY_MODES) this.set({ tenant, mode }, mode === current ? 1 : 0);
      },
    });
    new Gauge({
      name: 'strata_records',
      help: 'Stored records by kind (sessions, messages, memories, facts), counted at scrape time',
      labelNames: ['kind'],
      registers,
      async collect() {
        this.reset();
        if (!self.counts) return;
        try {
          for (const [kind, n] of Object.entries(await self.counts())) this.set({ kind }, n);
        } catch {
          // A store that cannot count right now leaves the gauge empty; the scrape still succeeds.
        }
      },
    });
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'strata_' });
  }

  /** Reports these modes in `strata_memory_mode`. */
  watchModes(modes: MemoryModes): void {
    this.modes = modes;
  }

  /** Reports these breakers in `strata_breaker_state` (and counts their transitions and downgrades). */
  watchBreakers(board: CircuitBreakers): void {
    this.board = board;
  }

  /** Reports these record counts in `strata_records`. */
  watchRecordCounts(counts: RecordCounts): void {
    this.counts = counts;
  }

  /** The text exposition format for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  operation(operation: MemoryOperation, seconds: number, outcome: OperationOutcome): void {
    this.operationSeconds.observe({ operation, outcome }, seconds);
  }

  readFallback(operation: MemoryOperation, reason: string): void {
    this.fallbacks.inc({ operation, reason });
  }

  messagesWritten(count: number): void {
    if (count > 0) this.messages.inc(count);
  }

  memoriesWritten(kind: string, count: number): void {
    if (count > 0) this.memories.inc({ kind }, count);
  }

  redactions(counts: RedactionCounts): void {
    for (const [type, n] of Object.entries(counts)) if (n > 0) this.redacted.inc({ type }, n);
  }

  factValidation(valid: boolean, severity: string): void {
    this.validations.inc({ result: valid ? 'valid' : 'violation' });
    if (!valid) this.violations.inc({ severity });
  }

  storeCall(tier: StoreTier, operation: string, seconds: number, ok: boolean): void {
    this.storeSeconds.observe({ tier, operation, outcome: ok ? 'ok' : 'error' }, seconds);
  }

  embeddingCall(texts: number, seconds: number, ok: boolean): void {
    this.embeddingCalls.inc({ outcome: ok ? 'ok' : 'error' });
    this.embeddingTexts.inc(texts);
    this.embeddingSeconds.observe(seconds);
  }

  consolidationRun(run: ConsolidationRun): void {
    this.consolidationSeconds.observe({ outcome: run.ok ? 'ok' : 'error' }, run.seconds);
    for (const [output, n] of consolidationOutputs(run)) if (n > 0) this.consolidated.inc({ output }, n);
    this.consolidationBacklog.set(run.backlog);
    if (run.ok) this.consolidationLastSuccess.set(Date.now() / 1000);
  }

  breakerState(tier: BreakerTier, state: BreakerState): void {
    this.breakerGauge.set({ tier }, BREAKER_VALUES[state]);
  }

  breakerTransition(tier: BreakerTier, from: BreakerState, to: BreakerState): void {
    this.breakerTransitions.inc({ tier, from, to });
  }

  downgrade(reason: string): void {
    this.downgrades.inc({ reason });
  }

  cacheLookup(cache: string, hits: number, misses: number): void {
    if (hits > 0) this.cacheRequests.inc({ cache, result: 'hit' }, hits);
    if (misses > 0) this.cacheRequests.inc({ cache, result: 'miss' }, misses);
  }
}
