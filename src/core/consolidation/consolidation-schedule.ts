import type { MemoryService } from '../memory-service.js';
import type { ConsolidationCounts } from './consolidator.js';

export interface ConsolidationSchedule {
  /** Stops the schedule and waits for a run in progress to finish. */
  stop(): Promise<void>;
  /** Runs completed so far. */
  readonly runs: number;
}

export interface ScheduleOptions {
  readonly onRun?: ((counts: ConsolidationCounts, ms: number) => void) | undefined;
  /** A failed run is reported here and the schedule goes on. */
  readonly onError?: ((error: unknown) => void) | undefined;
  /** Keep the process alive for the timer (a worker) or not (a server). Default false. */
  readonly keepAlive?: boolean | undefined;
  /** First run at once instead of after `everyMs`. */
  readonly immediate?: boolean | undefined;
}

/**
 * Consolidates every tenant every `everyMs`: the next run starts `everyMs` after the previous
 * one ended, so runs never overlap in one process (leases keep processes apart).
 */
export function startConsolidationSchedule(memory: MemoryService, everyMs: number, options: ScheduleOptions = {}): ConsolidationSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let runs = 0;
  const tick = (): void => {
    timer = null;
    if (stopped) return;
    const started = performance.now();
    running = memory
      .consolidateAllTenants()
      .then(
        (counts) => options.onRun?.(counts, performance.now() - started),
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        runs++;
        running = null;
        schedule();
      });
  };
  const schedule = (delay = everyMs): void => {
    if (stopped) return;
    timer = setTimeout(tick, delay);
    if (options.keepAlive !== true) timer.unref();
  };
  schedule(options.immediate === true ? 0 : everyMs);
  return {
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
