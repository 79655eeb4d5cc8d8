import { StrataError } from '../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../spec/embedding-model.js';
import { embeddingModelId } from '../spec/embedding-model.js';

/** One provider of a fallback chain, made (loaded, probed) only when the ones before it failed. */
export interface EmbeddingCandidate {
  /** For reports: `onnx:Xenova/all-MiniLM-L6-v2`, `ollama:all-minilm`, `offline`. */
  readonly name: string;
  /** Loads the model and embeds a probe text; throws when the provider cannot serve. */
  create(): Promise<EmbeddingModelV1>;
}

export interface SkippedCandidate {
  readonly name: string;
  readonly code: string;
  readonly message: string;
}

/** Which provider the chain chose, once, at startup, and why the ones before it were passed over. */
export interface EmbeddingChoice {
  readonly model: EmbeddingModelV1;
  /** The chosen candidate's name. */
  readonly chosen: string;
  /** `name@version/dims`, the id recorded beside every vector the memory writes. */
  readonly modelId: string;
  readonly skipped: readonly SkippedCandidate[];
}

/**
 * Picks ONE embedding model from an ordered list: the first candidate that loads and answers a
 * probe (a model given ready-made is probed with one embed). It is a startup decision, not a
 * per-call fallback: the memory then embeds everything, writes and queries, with that one model,
 * because vectors of different models are not comparable and must never mix in one index (a
 * query is embedded with the model of the index it searches). A provider that fails later fails
 * those calls (its breaker, retries and the read deadline apply) instead of switching models;
 * changing the model of an existing store is a re-embedding (`strata reembed`). When the chosen
 * model is not the one the store's vectors were written with, vector search sees only the
 * memories of the chosen model until they are re-embedded: so `skipped` is reported at start.
 */
export async function createEmbeddingChain(candidates: ReadonlyArray<EmbeddingCandidate | EmbeddingModelV1>): Promise<EmbeddingChoice> {
  if (candidates.length === 0) throw new StrataError('INVALID_CONFIG', 'the embedding chain is empty: name at least one provider');
  const skipped: SkippedCandidate[] = [];
  for (const candidate of candidates) {
    const name = isModel(candidate) ? `${candidate.provider}:${candidate.modelName}` : candidate.name;
    try {
      const model = isModel(candidate) ? await probed(candidate) : await candidate.create();
      return {
        model,
        chosen: name,
        modelId: embeddingModelId({ name: model.modelName, version: model.modelVersion, dims: model.dimensions }),
        skipped,
      };
    } catch (error) {
      skipped.push({
        name,
        code: error instanceof StrataError ? error.code : 'EMBEDDING_FAILED',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  throw new StrataError(
    'EMBEDDING_FAILED',
    `no embedding provider of the chain could serve: ${skipped.map((s) => `${s.name} (${s.code}: ${s.message})`).join('; ')}`,
    { details: { skipped } },
  );
}

function isModel(candidate: EmbeddingCandidate | EmbeddingModelV1): candidate is EmbeddingModelV1 {
  return typeof (candidate as EmbeddingModelV1).embed === 'function';
}

async function probed(model: EmbeddingModelV1): Promise<EmbeddingModelV1> {
  const [vector] = await model.embed(['dimension probe']);
  if (vector?.length !== model.dimensions) {
    throw new StrataError(
      'DIMENSION_MISMATCH',
      `${model.provider}:${model.modelName} returned ${vector?.length ?? 0} dimensions, declares ${model.dimensions}`,
    );
  }
  return model;
}
