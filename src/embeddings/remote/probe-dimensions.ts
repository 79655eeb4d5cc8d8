import { StrataError } from '../../errors/strata-error.js';
import type { EmbeddingModelV1 } from '../../spec/embedding-model.js';
import type { RemoteEmbeddingOptions } from './remote-embedding-client.js';

/**
 * Embeds one probe text at creation: the server answers (a fallback chain moves on when it does
 * not) and its vectors' length is the model's dimensions. Configured dimensions that differ
 * from the answer are INVALID_CONFIG: a store would otherwise hold vectors of two lengths.
 */
export async function probeDimensions(options: RemoteEmbeddingOptions, make: (dims: number) => EmbeddingModelV1): Promise<number> {
  if (options.probe === false && options.dimensions !== undefined) return options.dimensions;
  // Dimensions are unknown until the answer: the probe model accepts any length (1 = placeholder).
  const probe = make(options.dimensions ?? 1);
  const [vector] = await probe.embed(['dimension probe']);
  const dims = vector?.length ?? 0;
  if (options.dimensions !== undefined && options.dimensions !== dims) {
    throw new StrataError(
      'INVALID_CONFIG',
      `${probe.provider} model ${options.model} returns ${dims}-dimensional vectors, not the configured ${options.dimensions}`,
      { details: { field: 'dimensions', provider: probe.provider, expected: options.dimensions, actual: dims } },
    );
  }
  return dims;
}
