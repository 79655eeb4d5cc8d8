import { createHash } from 'node:crypto';
import { checkId, checkMetadata, checkRole, checkText, checkTime, optionalId } from '../core/input.js';
import { StrataError } from '../errors/strata-error.js';
import type { Metadata, Role } from '../spec/records.js';

/** One line of a backfill file: one message (see the README, "Backfill"). */
export interface BackfillMessage {
  readonly line: number;
  readonly sessionId: string;
  readonly userId: string;
  readonly agentId: string | undefined;
  readonly namespace: string | undefined;
  readonly role: Role;
  readonly content: string;
  readonly name: string | undefined;
  readonly at: number;
  readonly clientMsgId: string;
  readonly metadata: Metadata;
}

const FIELDS = new Set(['sessionId', 'userId', 'agentId', 'namespace', 'role', 'content', 'name', 'at', 'clientMsgId', 'metadata']);

/**
 * Parses and validates one line; throws a StrataError whose message is the reason. A line
 * without clientMsgId gets one derived from the file name and line number, so that importing
 * the same file again stores nothing twice.
 */
export function parseBackfillLine(text: string, line: number, fileKey: string, maxText: number): BackfillMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new StrataError('INVALID_INPUT', `not valid JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new StrataError('INVALID_INPUT', 'a line must be a JSON object');
  const record = raw as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0)
    throw new StrataError(
      'INVALID_INPUT',
      `unknown field(s) ${unknown
        .slice(0, 5)
        .map((k) => JSON.stringify(k.slice(0, 40)))
        .join(', ')}`,
    );
  if (record.at === undefined || record.at === null) throw new StrataError('INVALID_INPUT', 'at is required (epoch ms or ISO 8601)');
  return {
    line,
    sessionId: checkId('sessionId', record.sessionId),
    userId: checkId('userId', record.userId),
    agentId: optionalId('agentId', record.agentId),
    namespace: optionalId('namespace', record.namespace),
    role: checkRole('role', record.role),
    content: checkText('content', record.content, maxText),
    name: record.name === undefined || record.name === null ? undefined : checkText('name', record.name, 128),
    at: checkTime('at', record.at, 0),
    clientMsgId: record.clientMsgId === undefined ? derivedClientMsgId(fileKey, line) : checkId('clientMsgId', record.clientMsgId),
    metadata: checkMetadata('metadata', record.metadata),
  };
}

export function derivedClientMsgId(fileKey: string, line: number): string {
  return `bf-${createHash('sha256').update(`${fileKey}\u0000${line}`).digest('hex').slice(0, 32)}`;
}

/** `30d`, `12h`, `90m`, `2w` before now, or an ISO date / epoch ms: the earliest `at` imported. */
export function parseSince(value: string, now: number): number {
  const relative = /^(\d{1,6})(ms|s|m|h|d|w)$/.exec(value.trim());
  if (relative) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[relative[2] as 'ms'];
    return now - Number(relative[1]) * unit;
  }
  const absolute = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(absolute)) {
    throw new StrataError('INVALID_INPUT', `--since ${value}: expected a duration (30d, 12h, 90m, 2w) or a date`, {
      details: { field: 'since' },
    });
  }
  return absolute;
}
