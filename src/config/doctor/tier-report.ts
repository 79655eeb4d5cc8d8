/** What `strata doctor` reports for one configured tier. */
export interface TierReport {
  readonly tier: 'store' | 'redis' | 'qdrant' | 'embedding';
  /** For `embedding`: the chosen provider (offline, onnx, openai-compatible, ollama), or none. */
  readonly backend: 'sqlite' | 'postgres' | 'redis' | 'qdrant' | (string & {});
  /** A file path, or the URL with any password replaced by `***`. */
  readonly target: string;
  /** Reachable, migrated (where it applies) and with its extension (where one is needed). */
  readonly ok: boolean;
  readonly reachable: boolean;
  /** Null where the tier has no schema (Redis), or where it could not be told. */
  readonly migrated: boolean | null;
  /** The extension the backend needs (SQLite FTS5, pgvector), or null where none applies. */
  readonly extension: { readonly name: string; readonly present: boolean; readonly version?: string | undefined } | null;
  /** Round trip of one trivial request, in milliseconds. */
  readonly latencyMs: number | null;
  readonly version?: string | undefined;
  readonly detail?: string | undefined;
}

export interface DoctorReport {
  readonly ok: boolean;
  readonly tiers: readonly TierReport[];
}

/** The URL with its password (if any) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

export function elapsedMs(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
