import type { CircuitBreaker } from '../../resilience/breaker.js';
import type { PgDriver, PgQueryable, PgResult } from './driver.js';

/**
 * A PgDriver whose statements and transactions go through a circuit breaker: while it is open
 * they fail at once with STORE_UNAVAILABLE (`details.breaker: 'open'`) and never reach the pool,
 * so a write is either one whole transaction or nothing. A transaction counts once (its inner
 * statements are not counted again); only lost or refused connections (STORE_UNAVAILABLE) and
 * timeouts count toward opening, never a statement's own error.
 */
export function breakerPgDriver(driver: PgDriver, breaker: CircuitBreaker): PgDriver {
  return {
    query<R>(sql: string, params?: readonly unknown[]): Promise<PgResult<R>> {
      return breaker.run(() => driver.query<R>(sql, params));
    },
    transaction<T>(work: (tx: PgQueryable) => Promise<T>): Promise<T> {
      return breaker.run(() => driver.transaction(work));
    },
    close: () => driver.close(),
  };
}
