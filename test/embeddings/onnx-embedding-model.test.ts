import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Embedder } from '../../src/embeddings/embedder.js';
import { loadTransformers } from '../../src/embeddings/onnx/load-transformers.js';
import { createOnnxEmbeddingModel } from '../../src/embeddings/onnx/onnx-embedding-model.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';
import { FIXTURE_DIMS, FIXTURE_MODEL_DIR, FIXTURE_MODEL_ID, transformersInstalled } from '../helpers/onnx-fixture.js';

// The fixture model has RANDOM weights: these tests check the loading and pooling path
// (tokenizer, ONNX session on onnxruntime-node, mean pooling over the mask, normalisation,
// batching, errors), never that similar texts get similar vectors.
const installed = await transformersInstalled();
const norm = (v: Float32Array) => Math.hypot(...v);
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((sum, x, i) => sum + x * (b[i] as number), 0);

const dirs: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of dirs) cleanup();
});

describe.skipIf(!installed)('OnnxEmbeddingModel (transformers.js, fixture model with random weights)', () => {
  const model = () => createOnnxEmbeddingModel({ modelDir: FIXTURE_MODEL_DIR, modelId: FIXTURE_MODEL_ID, maxEmbeddingsPerCall: 4 });

  it('loads from the local folder with downloads off, and declares the output dimensions and a weights version', async () => {
    const onnx = await model();
    expect(onnx).toMatchObject({ provider: 'onnx', modelName: FIXTURE_MODEL_ID, dimensions: FIXTURE_DIMS, maxEmbeddingsPerCall: 4 });
    expect(onnx.modelVersion).toMatch(/^fp32-[0-9a-f]{12}$/);
    const [vector] = await onnx.embed(['My dog Biscuit is a beagle']);
    expect(vector).toBeInstanceOf(Float32Array);
    expect(vector?.length).toBe(FIXTURE_DIMS);
  });

  it('returns unit vectors; the same text gives the same vector, different texts differ', async () => {
    const onnx = await model();
    const [a, b, c] = (await onnx.embed([
      'the meeting is on friday',
      'the meeting is on friday',
      'coffee or tea in london',
    ])) as Float32Array[];
    for (const v of [a, b, c] as Float32Array[]) expect(norm(v)).toBeCloseTo(1, 5);
    expect(Array.from(b as Float32Array)).toEqual(Array.from(a as Float32Array));
    expect(cosine(a as Float32Array, c as Float32Array)).toBeLessThan(0.999);
  });

  it("a text's vector does not depend on the batch it is padded in (mean pooling over the attention mask)", async () => {
    const onnx = await model();
    const short = 'dog';
    const [alone] = (await onnx.embed([short])) as Float32Array[];
    // Padded to the long text's length: the fixture's hidden states at [PAD] are not zero, so only the mask keeps it equal.
    const [padded, long] = (await onnx.embed([short, 'the project deadline is on monday and the meeting is in paris'])) as Float32Array[];
    expect(long?.length).toBe(FIXTURE_DIMS);
    for (const [i, x] of (alone as Float32Array).entries()) expect((padded as Float32Array)[i]).toBeCloseTo(x, 6);
  });

  it('through the Embedder, batches are cut at maxEmbeddingsPerCall; a call above it is refused by the model', async () => {
    const onnx = await model();
    const embedder = new Embedder(onnx, null);
    const texts = Array.from({ length: 10 }, (_, i) => `memory number ${i} about the project`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(10);
    expect(embedder.stats).toMatchObject({ calls: 3, texts: 10 }); // 4 + 4 + 2
    expect(embedder.modelId).toBe(`${FIXTURE_MODEL_ID}@${onnx.modelVersion}/${FIXTURE_DIMS}`);
    const direct = await onnx.embed(texts.slice(8));
    expect(Array.from(direct[1] as Float32Array)).toEqual(Array.from(vectors[9] as Float32Array));
    await expectStrataError(onnx.embed(texts.slice(0, 5)), 'EMBEDDING_FAILED');
  });

  it('a missing model is EMBEDDING_MODEL_MISSING naming the folder it looked in, the missing files and how to get them', async () => {
    const { dir, cleanup } = tempDir();
    dirs.push(cleanup);
    const error = await expectStrataError(createOnnxEmbeddingModel({ modelDir: dir }), 'EMBEDDING_MODEL_MISSING');
    const folder = join(dir, 'Xenova/all-MiniLM-L6-v2');
    expect(error.message).toContain(folder);
    expect(error.message).toContain('STRATA_ALLOW_MODEL_DOWNLOAD=1');
    expect(error.details).toMatchObject({
      folder,
      downloadAllowed: false,
      missing: expect.arrayContaining(['onnx/model.onnx', 'config.json']),
    });
    // One file missing of an otherwise complete copy: named alone.
    const partial = join(dir, 'copy');
    mkdirSync(partial);
    cpSync(FIXTURE_MODEL_DIR, partial, { recursive: true });
    rmSync(join(partial, FIXTURE_MODEL_ID, 'tokenizer.json'));
    const one = await expectStrataError(
      createOnnxEmbeddingModel({ modelDir: partial, modelId: FIXTURE_MODEL_ID }),
      'EMBEDDING_MODEL_MISSING',
    );
    expect(one.details.missing).toEqual(['tokenizer.json']);
  });

  it('rejects a model id that would leave the model folder', async () => {
    await expectStrataError(createOnnxEmbeddingModel({ modelDir: FIXTURE_MODEL_DIR, modelId: '../outside' }), 'INVALID_CONFIG');
  });
});

describe('loadTransformers', () => {
  it('an optional package that is not installed is DEPENDENCY_MISSING with the install command', async () => {
    const error = await expectStrataError(loadTransformers('@huggingface/transformers-not-installed'), 'DEPENDENCY_MISSING');
    expect(error.details).toMatchObject({ installed: false, install: 'npm install @huggingface/transformers-not-installed' });
    const viaModel = await expectStrataError(
      createOnnxEmbeddingModel({
        modelDir: FIXTURE_MODEL_DIR,
        modelId: FIXTURE_MODEL_ID,
        transformers: () => loadTransformers('@huggingface/transformers-not-installed'),
      }),
      'DEPENDENCY_MISSING',
    );
    expect(viaModel.message).toContain('npm install');
  });
});
