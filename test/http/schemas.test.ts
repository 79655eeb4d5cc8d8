import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { ValidationResult as CoreValidationResult } from '../../src/core/fact-rules.js';
import type {
  ContextOptions,
  AddedMessage as CoreAddedMessage,
  ContextItem as CoreContextItem,
  ContextResponse as CoreContextResponse,
  SearchResponse as CoreSearchResponse,
  FactInput,
  MemoryUpdate,
  MessageInput,
  RememberInput,
  SearchOptions,
  SessionInput,
} from '../../src/core/types.js';
import * as S from '../../src/http/schemas/index.js';
import type { ScoreBreakdown as CoreScoreBreakdown } from '../../src/retrieval/hybrid-search.js';
import type { ApiKeyRecord } from '../../src/spec/api-key-store.js';
import type { EraseCounts as CoreEraseCounts } from '../../src/spec/memory-store.js';
import type { FactRule as CoreFactRule, FactRecord, MemoryRecord, MessageRecord, SessionRecord } from '../../src/spec/records.js';

type Out<T extends z.ZodType> = keyof z.output<T>;
type In<T extends z.ZodType> = keyof z.input<T>;

/**
 * The HTTP schemas and core's types must not drift apart: a field added to a record (or an
 * option added to an operation) fails the type check until the schema has it too.
 */
describe('HTTP schemas mirror the core types', () => {
  it('responses carry exactly the fields of the records', () => {
    expectTypeOf<Out<typeof S.Session>>().toEqualTypeOf<keyof SessionRecord>();
    expectTypeOf<Out<typeof S.Message>>().toEqualTypeOf<keyof MessageRecord>();
    expectTypeOf<Out<typeof S.AddedMessage>>().toEqualTypeOf<keyof CoreAddedMessage>();
    expectTypeOf<Out<typeof S.Memory>>().toEqualTypeOf<keyof MemoryRecord>();
    expectTypeOf<Out<typeof S.Fact>>().toEqualTypeOf<keyof FactRecord>();
    expectTypeOf<Out<typeof S.FactRuleView>>().toEqualTypeOf<keyof CoreFactRule>();
    expectTypeOf<Out<typeof S.ValidationResult>>().toEqualTypeOf<keyof CoreValidationResult>();
    expectTypeOf<Out<typeof S.ScoreBreakdown>>().toEqualTypeOf<keyof CoreScoreBreakdown>();
    expectTypeOf<Out<typeof S.SearchResponse>>().toEqualTypeOf<keyof CoreSearchResponse>();
    expectTypeOf<Out<typeof S.ContextItem>>().toEqualTypeOf<keyof CoreContextItem>();
    expectTypeOf<Out<typeof S.ContextResponse>>().toEqualTypeOf<keyof CoreContextResponse>();
    expectTypeOf<Out<typeof S.EraseCounts>>().toEqualTypeOf<keyof CoreEraseCounts>();
    expectTypeOf<Out<typeof S.ApiKey>>().toEqualTypeOf<keyof ApiKeyRecord>();
    expect(Object.keys(S.Session.shape).length).toBe(11);
  });

  it('requests accept exactly the options of the operations (tenant never among them)', () => {
    expectTypeOf<In<typeof S.CreateSessionBody>>().toEqualTypeOf<keyof SessionInput>();
    expectTypeOf<In<typeof S.MessageInput>>().toEqualTypeOf<keyof MessageInput>();
    expectTypeOf<In<typeof S.RememberBody>>().toEqualTypeOf<keyof RememberInput>();
    expectTypeOf<keyof z.input<typeof S.UpdateMemoryBody>>().toEqualTypeOf<keyof MemoryUpdate>();
    expectTypeOf<In<typeof S.SetFactBody>>().toEqualTypeOf<keyof FactInput>();
    expectTypeOf<In<typeof S.SearchBody>>().toEqualTypeOf<keyof SearchOptions | 'query'>();
    expectTypeOf<In<typeof S.ContextBody>>().toEqualTypeOf<keyof ContextOptions>();
    expectTypeOf<In<typeof S.FactRule>>().toEqualTypeOf<keyof CoreFactRule>();
    for (const schema of [S.CreateSessionBody, S.RememberBody, S.SetFactBody, S.SearchBody, S.ContextBody, S.CreateKeyBody]) {
      expect(Object.keys(schema.shape)).not.toContain('tenantId');
    }
  });
});
