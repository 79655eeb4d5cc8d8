import { fileURLToPath } from 'node:url';
import { loadTransformers } from '../../src/embeddings/onnx/load-transformers.js';

/**
 * The tiny ONNX test model (scripts/make-fixture-onnx-model.mjs): BERT-shaped, RANDOM weights.
 * It runs the real transformers.js + onnxruntime-node path; its vectors mean nothing.
 */
export const FIXTURE_MODEL_DIR = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
export const FIXTURE_MODEL_ID = 'strata-fixtures/tiny-random-bert';
export const FIXTURE_DIMS = 32;

/** Whether the optional @huggingface/transformers is installed (CI installs it: there a missing one fails the suite). */
export async function transformersInstalled(): Promise<boolean> {
  try {
    await loadTransformers();
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('@huggingface/transformers (an optionalDependency) must be installed in CI');
    return false;
  }
}
