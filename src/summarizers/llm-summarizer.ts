import { parseRetryAfter } from '../client/retry-policy.js';
import { StrataError } from '../errors/strata-error.js';
import type { SummarizerV1, SummaryInput, SummaryOutput } from '../spec/summarizer.js';

export interface LlmSummarizerOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1` or `http://127.0.0.1:8000/v1`. */
  readonly baseUrl: string;
  readonly model: string;
  /** Sent as `Authorization: Bearer <apiKey>` when given. */
  readonly apiKey?: string | undefined;
  /** Per request. Default 30 s. */
  readonly timeoutMs?: number | undefined;
  /** Characters of each turn sent (long turns are clipped). Default 2000. */
  readonly maxTurnChars?: number | undefined;
  readonly fetch?: typeof fetch | undefined;
}

const SYSTEM_PROMPT = [
  "You maintain a rolling summary of a conversation for an AI assistant's memory.",
  'Given the summary so far and the new turns, write the updated summary.',
  'Keep facts, preferences, plans, decisions, names, numbers and dates; drop small talk.',
  'Write plain sentences in the third person, no preamble, no bullet points.',
].join(' ');

/**
 * A summarizer over any OpenAI-compatible chat completions endpoint
 * (`POST {baseUrl}/chat/completions`): OpenAI, vLLM, LM Studio, Ollama's /v1, llama.cpp.
 * A non-2xx answer, a timeout or an answer without text raises SUMMARIZER_FAILED with the
 * status in its details.
 */
export class LlmSummarizer implements SummarizerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  private readonly url: string;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: LlmSummarizerOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) {
      throw new StrataError('INVALID_CONFIG', 'summarizer baseUrl must be an http(s) URL', { details: { field: 'baseUrl' } });
    }
    if (options.model.trim() === '')
      throw new StrataError('INVALID_CONFIG', 'summarizer model must not be empty', { details: { field: 'model' } });
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.name = `llm:${options.model}`;
    this.fetch = options.fetch ?? fetch;
  }

  async summarize(input: SummaryInput, options: { signal?: AbortSignal } = {}): Promise<SummaryOutput> {
    const clip = this.options.maxTurnChars ?? 2000;
    const turns = input.turns
      .map((turn) => `${turn.name ?? turn.role}: ${turn.content.length > clip ? `${turn.content.slice(0, clip)}…` : turn.content}`)
      .join('\n');
    const user = `Summary so far:\n${input.previous?.text || '(none)'}\n\nNew turns:\n${turns}\n\nUpdated summary (at most about ${input.tokenBudget} tokens):`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: user },
          ],
          temperature: 0,
          max_tokens: input.tokenBudget,
        }),
        signal,
      });
    } catch (cause) {
      const timedOut = timeout.aborted;
      throw new StrataError(
        timedOut ? 'TIMEOUT' : 'SUMMARIZER_FAILED',
        timedOut ? 'summarizer request timed out' : 'summarizer request failed',
        {
          cause,
          details: { url: this.url, ...(timedOut ? { timeoutMs: this.options.timeoutMs ?? 30_000 } : {}) },
        },
      );
    }
    if (!response.ok) {
      const body = (await response.text().catch(() => '')).slice(0, 500);
      const retryAfterMs = response.status === 429 ? retryAfter(response.headers.get('retry-after')) : undefined;
      throw new StrataError('SUMMARIZER_FAILED', `summarizer endpoint answered ${response.status}`, {
        details: { url: this.url, status: response.status, body, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      });
    }
    const payload = (await response.json().catch(() => null)) as { choices?: Array<{ message?: { content?: unknown } }> } | null;
    const content = payload?.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      throw new StrataError('SUMMARIZER_FAILED', 'summarizer answer has no choices[0].message.content', {
        details: { url: this.url, status: response.status },
      });
    }
    const text = content.trim();
    const source = [...new Set([...(input.previous?.sentences.flatMap((s) => s.source) ?? []), ...input.turns.map((t) => t.id)])];
    return { text, sentences: [{ text, source }], source };
  }
}

/** A Retry-After header (seconds, or an HTTP date) in ms; undefined when absent or unreadable (the client's parser). */
export function retryAfter(header: string | null, now = Date.now()): number | undefined {
  return parseRetryAfter(header, now) ?? undefined;
}
