import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { RedactionCounts } from '../privacy/pii-types.js';
import {
  type ConsolidationRun,
  consolidationOutputs,
  type MemoryOperation,
  type MetricsSink,
  type OperationOutcome,
  type StoreTier,
} from './metrics-sink.js';

export interface OtlpMetricsOptions {
  /** OTLP/HTTP metrics endpoint, e.g. `http://collector:4318/v1/metrics`. */
  readonly url: string;
  /** Extra request headers (an API key of the collector). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** How often metrics are pushed. Default 15 s. */
  readonly intervalMs?: number | undefined;
}

/**
 * The same metrics as PrometheusMetrics (same names and labels), pushed over OTLP/HTTP (JSON) to
 * an OpenTelemetry collector every `intervalMs`. Optional: createMemory loads this file only
 * when an OTLP endpoint is configured (`otlp`, or STRATA_OTLP_METRICS_URL for `strata serve`).
 * Gauges that Prometheus computes at scrape time (record counts, modes, breaker states) are not
 * pushed.
 */
export class OtlpMetrics implements MetricsSink {
  private readonly provider: MeterProvider;
  private readonly operationSeconds: Histogram;
  private readonly fallbacks: Counter;
  private readonly messages: Counter;
  private readonly memories: Counter;
  private readonly redacted: Counter;
  private readonly validations: Counter;
  private readonly violations: Counter;
  private readonly storeSeconds: Histogram;
  private readonly embeddingCalls: Counter;
  private readonly embeddingTexts: Counter;
  private readonly embeddingSeconds: Histogram;
  private readonly cacheRequests: Counter;
  private readonly consolidationSeconds: Histogram;
  private readonly consolidated: Counter;

  constructor(options: OtlpMetricsOptions) {
    const exporter = new OTLPMetricExporter({ url: options.url, headers: { ...options.headers } });
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.intervalMs ?? 15_000 });
    this.provider = new MeterProvider({ readers: [reader] });
    const meter: Meter = this.provider.getMeter('strata');
    const seconds = { unit: 's' };
    this.operationSeconds = meter.createHistogram('strata_operation_duration_seconds', seconds);
    this.fallbacks = meter.createCounter('strata_read_fallbacks_total');
    this.messages = meter.createCounter('strata_messages_written_total');
    this.memories = meter.createCounter('strata_memories_written_total');
    this.redacted = meter.createCounter('strata_redactions_total');
    this.validations = meter.createCounter('strata_fact_validations_total');
    this.violations = meter.createCounter('strata_fact_violations_total');
    this.storeSeconds = meter.createHistogram('strata_store_operation_duration_seconds', seconds);
    this.embeddingCalls = meter.createCounter('strata_embedding_calls_total');
    this.embeddingTexts = meter.createCounter('strata_embedding_texts_total');
    this.embeddingSeconds = meter.createHistogram('strata_embedding_duration_seconds', seconds);
    this.cacheRequests = meter.createCounter('strata_cache_requests_total');
    this.consolidationSeconds = meter.createHistogram('strata_consolidation_run_duration_seconds', seconds);
    this.consolidated = meter.createCounter('strata_consolidated_total');
  }

  operation(operation: MemoryOperation, seconds: number, outcome: OperationOutcome): void {
    this.operationSeconds.record(seconds, { operation, outcome });
  }

  readFallback(operation: MemoryOperation, reason: string): void {
    this.fallbacks.add(1, { operation, reason });
  }

  messagesWritten(count: number): void {
    if (count > 0) this.messages.add(count);
  }

  memoriesWritten(kind: string, count: number): void {
    if (count > 0) this.memories.add(count, { kind });
  }

  redactions(counts: RedactionCounts): void {
    for (const [type, n] of Object.entries(counts)) if (n > 0) this.redacted.add(n, { type });
  }

  factValidation(valid: boolean, severity: string): void {
    this.validations.add(1, { result: valid ? 'valid' : 'violation' });
    if (!valid) this.violations.add(1, { severity });
  }

  storeCall(tier: StoreTier, operation: string, seconds: number, ok: boolean): void {
    this.storeSeconds.record(seconds, { tier, operation, outcome: ok ? 'ok' : 'error' });
  }

  embeddingCall(texts: number, seconds: number, ok: boolean): void {
    this.embeddingCalls.add(1, { outcome: ok ? 'ok' : 'error' });
    this.embeddingTexts.add(texts);
    this.embeddingSeconds.record(seconds);
  }

  cacheLookup(cache: string, hits: number, misses: number): void {
    if (hits > 0) this.cacheRequests.add(hits, { cache, result: 'hit' });
    if (misses > 0) this.cacheRequests.add(misses, { cache, result: 'miss' });
  }

  consolidationRun(run: ConsolidationRun): void {
    this.consolidationSeconds.record(run.seconds, { outcome: run.ok ? 'ok' : 'error' });
    for (const [output, n] of consolidationOutputs(run)) if (n > 0) this.consolidated.add(n, { output });
  }

  /** Pushes what was recorded since the last export. */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /** Pushes the last metrics and stops the reader. */
  close(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** Several sinks as one (Prometheus and OTLP side by side); `implements` keeps it complete. */
export class FanoutMetrics implements MetricsSink {
  constructor(private readonly sinks: readonly MetricsSink[]) {}

  operation(operation: MemoryOperation, seconds: number, outcome: OperationOutcome): void {
    for (const sink of this.sinks) sink.operation(operation, seconds, outcome);
  }
  readFallback(operation: MemoryOperation, reason: string): void {
    for (const sink of this.sinks) sink.readFallback(operation, reason);
  }
  messagesWritten(count: number): void {
    for (const sink of this.sinks) sink.messagesWritten(count);
  }
  memoriesWritten(kind: string, count: number): void {
    for (const sink of this.sinks) sink.memoriesWritten(kind, count);
  }
  redactions(counts: RedactionCounts): void {
    for (const sink of this.sinks) sink.redactions(counts);
  }
  factValidation(valid: boolean, severity: string): void {
    for (const sink of this.sinks) sink.factValidation(valid, severity);
  }
  storeCall(tier: StoreTier, operation: string, seconds: number, ok: boolean): void {
    for (const sink of this.sinks) sink.storeCall(tier, operation, seconds, ok);
  }
  embeddingCall(texts: number, seconds: number, ok: boolean): void {
    for (const sink of this.sinks) sink.embeddingCall(texts, seconds, ok);
  }
  cacheLookup(cache: string, hits: number, misses: number): void {
    for (const sink of this.sinks) sink.cacheLookup(cache, hits, misses);
  }
  consolidationRun(run: ConsolidationRun): void {
    for (const sink of this.sinks) sink.consolidationRun(run);
  }
}
