import type { Role } from './records.js';

/**
 * Contract every session summarizer implements: a rolling summary of a conversation, from
 * the previous summary and the turns since. Core decides when to summarize and stores the
 * result; a summarizer only writes text and says which messages it drew on.
 */
export interface SummarizerV1 {
  readonly specificationVersion: 'v1';
  /** e.g. `extractive`, `llm:gpt-4o-mini`; recorded on each summary. */
  readonly name: string;
  summarize(input: SummaryInput, options?: { signal?: AbortSignal }): Promise<SummaryOutput>;
}

export interface SummaryTurn {
  /** Message id (provenance). */
  readonly id: string;
  readonly seq: number;
  readonly role: Role;
  readonly name: string | null;
  readonly content: string;
  readonly createdAt: number;
}

export interface SummarySentence {
  readonly text: string;
  /** Message ids the sentence came from. */
  readonly source: readonly string[];
}

export interface SummaryInput {
  /** The summary so far (null on a session's first run). */
  readonly previous: { readonly text: string; readonly sentences: readonly SummarySentence[] } | null;
  /** Turns since the previous summary, in seq order. */
  readonly turns: readonly SummaryTurn[];
  /** Largest summary, in the project tokenizer's tokens. */
  readonly tokenBudget: number;
  /** Whose conversation it is (a provider's 401/403 concerns this tenant's credentials). */
  readonly tenantId?: string | undefined;
}

export interface SummaryOutput {
  readonly text: string;
  /** The summary split into sentences with their sources, when the summarizer knows them. */
  readonly sentences: readonly SummarySentence[];
  /** Every message id the summary draws on. */
  readonly source: readonly string[];
}
