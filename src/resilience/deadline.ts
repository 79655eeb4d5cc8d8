const LATE: unique symbol = Symbol('late');

/** The outcome of work raced against a deadline. */
export type Deadlined<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly elapsedMs: number };

/**
 * Runs `work` with a deadline. On time: its value (or its error, rethrown). Late: `{ ok: false }`
 * at the deadline; the work keeps running (a store call cannot be cancelled) and its eventual
 * result or error is dropped. `ms` <= 0 or not finite means no deadline.
 */
export async function withDeadline<T>(ms: number, work: () => Promise<T>): Promise<Deadlined<T>> {
  const promise = work();
  if (!(ms > 0) || !Number.isFinite(ms)) return { ok: true, value: await promise };
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), ms);
  });
  try {
    const first = await Promise.race([promise, late]);
    if (first === LATE) {
      promise.catch(() => {});
      return { ok: false, elapsedMs: performance.now() - started };
    }
    return { ok: true, value: first as T };
  } finally {
    clearTimeout(timer);
  }
}
