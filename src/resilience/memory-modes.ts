import { StrataError } from '../errors/strata-error.js';

/**
 * What the memory layer does for a tenant:
 * - `read_write`: everything;
 * - `write_only`: writes are stored; reads return no memories (`used: false, reason: 'mode_write_only'`);
 *   getContext still returns the recent-turns fallback (the turns the agent itself wrote);
 * - `off`: writes and reads are accepted and do nothing (`skipped: 'mode_off'` / `used: false, reason: 'mode_off'`),
 *   the store is not touched.
 * Management calls (get, list, update, forget, forgetUser, facts) are not governed by the mode.
 */
export const MEMORY_MODES = ['off', 'write_only', 'read_write'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

export interface TenantModeOverride {
  readonly mode: MemoryMode;
  /** Epoch ms after which the override lapses (a cool-down), or null for until cleared. */
  readonly until: number | null;
  readonly reason: string | null;
}

/** What the service asks: the mode for a tenant now. */
export interface ModesProvider {
  modeFor(tenantId: string): MemoryMode;
}

export function checkMode(mode: unknown): MemoryMode {
  if (typeof mode !== 'string' || !(MEMORY_MODES as readonly string[]).includes(mode)) {
    throw new StrataError('INVALID_INPUT', `mode must be one of ${MEMORY_MODES.join(', ')}`, { details: { field: 'mode' } });
  }
  return mode as MemoryMode;
}

/** The mode from STRATA_WRITE / STRATA_READ: both on read_write, write only write_only, neither off. */
export function modeFromFlags(write: boolean, read: boolean): MemoryMode {
  if (write && read) return 'read_write';
  if (write) return 'write_only';
  if (!read) return 'off';
  throw new StrataError('INVALID_CONFIG', 'reads without writes is not a mode: set STRATA_WRITE=true, or STRATA_READ=false too', {
    details: { field: 'read' },
  });
}

/**
 * The global mode and per-tenant overrides, in process. An override may lapse at a time
 * (the later breaker work downgrades a tenant to write_only for a cool-down this way).
 */
export class MemoryModes implements ModesProvider {
  private readonly overrides = new Map<string, TenantModeOverride>();

  constructor(
    private globalMode: MemoryMode = 'read_write',
    private readonly clock: () => number = Date.now,
  ) {
    checkMode(globalMode);
  }

  get global(): MemoryMode {
    return this.globalMode;
  }

  setGlobal(mode: MemoryMode): void {
    this.globalMode = checkMode(mode);
  }

  /** Sets a tenant's mode (null clears it: the global mode applies). */
  setTenant(tenantId: string, mode: MemoryMode | null, options: { untilMs?: number; reason?: string } = {}): void {
    if (mode === null) {
      this.overrides.delete(tenantId);
      return;
    }
    this.overrides.set(tenantId, { mode: checkMode(mode), until: options.untilMs ?? null, reason: options.reason ?? null });
  }

  modeFor(tenantId: string): MemoryMode {
    const override = this.override(tenantId);
    return override ? override.mode : this.globalMode;
  }

  override(tenantId: string): TenantModeOverride | null {
    const override = this.overrides.get(tenantId);
    if (!override) return null;
    if (override.until !== null && override.until <= this.clock()) {
      this.overrides.delete(tenantId);
      return null;
    }
    return override;
  }

  /** The global mode and every live override (for /ready and the mode gauge). */
  snapshot(): { global: MemoryMode; tenants: Record<string, TenantModeOverride> } {
    const tenants: Record<string, TenantModeOverride> = {};
    for (const tenantId of [...this.overrides.keys()]) {
      const override = this.override(tenantId);
      if (override) tenants[tenantId] = override;
    }
    return { global: this.globalMode, tenants };
  }
}
