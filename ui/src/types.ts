import type { z } from 'zod';
import type * as S from '../../src/http/schemas/index.js';

/** The API's response types, from the server's own zod schemas (type-only: no zod in the bundle). */
export type Session = z.output<typeof S.Session>;
export type Message = z.output<typeof S.Message>;
export type Memory = z.output<typeof S.Memory>;
export type Fact = z.output<typeof S.Fact>;
export type FactAudit = z.output<typeof S.FactAudit>;
export type UserSummary = z.output<typeof S.UserSummary>;
export type TenantStats = z.output<typeof S.TenantStats>;
export type MetricsPoint = z.output<typeof S.MetricsPoint>;
export type SearchResponse = z.output<typeof S.SearchResponse>;
export type SearchResult = z.output<typeof S.SearchResult>;
export type ScoreBreakdown = z.output<typeof S.ScoreBreakdown>;
export type ContextResponse = z.output<typeof S.ContextResponse>;
export type ContextItem = z.output<typeof S.ContextItem>;
export type Readiness = z.output<typeof S.Readiness>;
export type Whoami = z.output<typeof S.Whoami>;
export type Page<T> = { data: T[]; nextCursor: string | null };
export type MemoryKind = Memory['kind'];
