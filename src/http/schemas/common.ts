import { z } from 'zod';
import { ID_PATTERN } from '../../core/input.js';
import { ERROR_CODES, type StrataErrorCode } from '../../errors/strata-error.js';
import { MEMORY_KINDS } from '../../spec/records.js';

/**
 * Building blocks of every request and response schema. The schemas mirror core's checks
 * (src/core/input.ts) so that most bad input is refused before core sees it; core checks again.
 */
export const Id = z
  .string()
  .regex(ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ : @ - starting with a letter or digit')
  .describe('1-128 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit');

/** Epoch milliseconds or an ISO 8601 string. */
export const TimeInput = z
  .union([z.int().min(0).max(253_402_300_799_999), z.string().min(1).max(64)])
  .describe('epoch milliseconds, or an ISO 8601 date-time string');

/** A time in a query string: digits are epoch milliseconds, anything else an ISO 8601 string. */
export const QueryTime = z
  .string()
  .min(1)
  .max(64)
  .transform((value) => (/^\d{1,15}$/.test(value) ? Number(value) : value))
  .describe('epoch milliseconds, or an ISO 8601 date-time string');

/** Epoch milliseconds, as every record reports times. */
export const EpochMs = z.number().describe('epoch milliseconds');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Any JSON value (recursive; request bodies are nested at most 32 deep). */
export const JsonValue: z.ZodType<Json> = z
  .lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)]))
  .meta({ id: 'JsonValue', description: 'any JSON value' });

export const Metadata = z
  .record(z.string().max(256), JsonValue)
  .describe('free-form JSON object, at most 16 KiB serialised')
  .meta({ id: 'Metadata' });

export const Tags = z.array(z.string().min(1).max(64)).max(64).describe('at most 64 tags of 1-64 characters');

export const MemoryKind = z.enum(MEMORY_KINDS as ['turn', 'summary', 'note', 'fact', 'episode']).meta({ id: 'MemoryKind' });

export const Role = z.enum(['user', 'assistant', 'system', 'tool']).meta({ id: 'Role' });

/** Content text; core enforces the store's maximum length (TEXT_TOO_LONG, 413). */
export const Text = z.string().min(1).describe('non-blank text; longer than the store maximum is TEXT_TOO_LONG (413)');

/** `limit` in a query string. */
export const Limit = (fallback: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(fallback).describe(`page size, 1-${max} (default ${fallback})`);

/** An opaque pagination cursor: pass a response's `nextCursor` back unchanged. */
export const Cursor = z.string().min(1).max(512).describe('opaque: the nextCursor of the previous page');

/** A comma-separated list in a query string. */
export const CommaList = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .max(4096)
    .transform((value) =>
      value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(item).max(64))
    .describe('comma-separated list');

/** A page of records and the cursor of the next page (null on the last page). */
export const Page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [StrataErrorCode, ...StrataErrorCode[]];

/** RFC 9457 problem details, plus Strata's stable error `code` and typed `details`. */
export const Problem = z
  .looseObject({
    type: z.string().describe('urn:strata:error:<code>'),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().describe('the request path'),
    code: z.enum(ERROR_CODE_LIST).describe('stable error code (src/errors/strata-error.ts)'),
    requestId: z.string(),
    details: z.record(z.string(), z.unknown()).describe('typed details: the field at fault, limits, ids; never user content'),
  })
  .meta({ id: 'Problem', description: 'application/problem+json (RFC 9457)' });

export type ProblemBody = z.output<typeof Problem>;

export const SessionParams = z.strictObject({ sessionId: Id });
export const MemoryParams = z.strictObject({ memoryId: Id });
export const UserParams = z.strictObject({ userId: Id });
