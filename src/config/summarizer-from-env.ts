import { StrataError } from '../errors/strata-error.js';
import type { SummarizerV1 } from '../spec/summarizer.js';
import { LlmSummarizer } from '../summarizers/llm-summarizer.js';

/**
 * The LLM summarizer when STRATA_SUMMARIZER_URL is set (an OpenAI-compatible base URL, e.g.
 * http://127.0.0.1:8000/v1), with STRATA_SUMMARIZER_MODEL, optional STRATA_SUMMARIZER_API_KEY
 * and STRATA_SUMMARIZER_TIMEOUT_MS; undefined (the offline extractive default) otherwise.
 */
export function summarizerFromEnv(env: NodeJS.ProcessEnv = process.env): SummarizerV1 | undefined {
  const baseUrl = env.STRATA_SUMMARIZER_URL;
  if (!baseUrl) return undefined;
  const model = env.STRATA_SUMMARIZER_MODEL;
  if (!model) throw new StrataError('INVALID_CONFIG', 'STRATA_SUMMARIZER_URL is set: STRATA_SUMMARIZER_MODEL must name the model');
  const timeout = env.STRATA_SUMMARIZER_TIMEOUT_MS;
  if (timeout !== undefined && !/^\d{1,7}$/.test(timeout)) {
    throw new StrataError('INVALID_CONFIG', 'STRATA_SUMMARIZER_TIMEOUT_MS must be a whole number of milliseconds');
  }
  return new LlmSummarizer({
    baseUrl,
    model,
    apiKey: env.STRATA_SUMMARIZER_API_KEY || undefined,
    timeoutMs: timeout === undefined ? undefined : Number(timeout),
  });
}
