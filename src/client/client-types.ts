/**
 * The wire types of the HTTP API, derived from the zod schemas the server validates and
 * documents with (src/http/schemas). Type-only imports: nothing of zod or the server is
 * loaded at run time by the client.
 */
import type { z } from 'zod';
import type * as S from '../http/schemas/index.js';

export type JsonValue = z.output<typeof S.JsonValue>;
export type Metadata = z.output<typeof S.Metadata>;
export type MemoryKind = z.output<typeof S.MemoryKind>;
export type Role = z.output<typeof S.Role>;
/** Epoch milliseconds, an ISO 8601 string, or a Date (sent as its ISO string). */
export type TimeInput = number | string | Date;

/** A page of records; pass `nextCursor` back for the next one (null on the last page). */
export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

/** application/problem+json (RFC 9457) with Strata's stable `code`. */
export type ProblemBody = z.output<typeof S.Problem>;
export type StrataErrorCode = ProblemBody['code'];

type WithTimes<T, K extends keyof T> = Omit<T, K> & { [P in K]?: TimeInput | undefined };

// Sessions and messages
export type Session = z.output<typeof S.Session>;
export type CreateSessionInput = WithTimes<z.input<typeof S.CreateSessionBody>, 'createdAt'>;
export interface ListSessionsOptions {
  readonly userId?: string | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}
export type MessageInput = WithTimes<z.input<typeof S.MessageInput>, 'createdAt'>;
export type AddedMessage = z.output<typeof S.AddedMessage>;
export type AddMessagesResponse = z.output<typeof S.AddMessagesResponse>;
export type Message = z.output<typeof S.Message>;
export interface ListMessagesOptions {
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

// Retrieval
export type ContextOptions = WithTimes<z.input<typeof S.ContextBody>, 'now'>;
export type ContextResponse = z.output<typeof S.ContextResponse>;
export type ContextItem = z.output<typeof S.ContextItem>;
export type SearchOptions = WithTimes<Omit<z.input<typeof S.SearchBody>, 'query'>, 'since' | 'until' | 'now'>;
export type SearchResponse = z.output<typeof S.SearchResponse>;
export type SearchResult = z.output<typeof S.SearchResult>;
export type ScoreBreakdown = z.output<typeof S.ScoreBreakdown>;

// Memories
export type Memory = z.output<typeof S.Memory>;
export type RememberInput = WithTimes<z.input<typeof S.RememberBody>, 'createdAt'>;
export type RememberResponse = z.output<typeof S.RememberResponse>;
export type UpdateMemoryInput = z.input<typeof S.UpdateMemoryBody>;
export interface ListMemoriesOptions {
  readonly userId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly kinds?: readonly MemoryKind[] | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly since?: TimeInput | undefined;
  readonly until?: TimeInput | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

// Facts
export type Fact = z.output<typeof S.Fact>;
export type FactRule = z.input<typeof S.FactRule>;
export type FactRuleView = z.output<typeof S.FactRuleView>;
export type SetFactInput = WithTimes<z.input<typeof S.SetFactBody>, 'validFrom'>;
export type SetFactResponse = z.output<typeof S.SetFactResponse>;
/** Which fact: the scope (userId, optional agentId and namespace), subject and key. */
export type FactQuery = z.input<typeof S.FactHistoryQuery>;
export type GetFactsOptions = WithTimes<z.input<typeof S.GetFactsQuery>, 'asOf'>;
export type SetFactRuleResponse = z.output<typeof S.SetFactRuleResponse>;
export type ValidationResult = z.output<typeof S.ValidationResult>;

// Admin and health
export type EraseCounts = z.output<typeof S.EraseCounts>;
export type ApiKeyScope = z.output<typeof S.ApiKeyScope>;
export type ApiKey = z.output<typeof S.ApiKey>;
export type CreateKeyInput = z.input<typeof S.CreateKeyBody>;
export type CreatedKey = z.output<typeof S.CreatedKey>;
export type Health = z.output<typeof S.Health>;
export type Readiness = z.output<typeof S.Readiness>;
export type UserSummary = z.output<typeof S.UserSummary>;
export type UserList = z.output<typeof S.UserList>;
export type FactAudit = z.output<typeof S.FactAudit>;
export type FactAuditQuery = z.input<typeof S.FactAuditQuery>;
export type TenantStats = z.output<typeof S.TenantStats>;
export type Whoami = z.output<typeof S.Whoami>;
