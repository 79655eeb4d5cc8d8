/**
 * Embedding provider benchmark: batch throughput (texts/s through the Embedder, every text a
 * cache miss) and single-query latency p50/p95 (one uncached text per call) for each provider
 * that runs here:
 *
 * - `offline`: the default SIF word-vector model.
 * - `onnx-fixture`: the tiny RANDOM-weight test model (test/fixtures/models, 32 dims, no
 *   attention layers) on transformers.js + onnxruntime-node: the cost of the tokenizer, the
 *   ONNX session and pooling, NOT the speed of a real model such as all-MiniLM-L6-v2
 *   (6 transformer layers, 384 dims: far slower). Skipped when @huggingface/transformers is absent.
 * - `openai-compatible (loopback)`: the HTTP provider against a stand-in server on 127.0.0.1
 *   that answers hashed vectors: the client's own overhead (HTTP, JSON, validation), no model.
 *
 *   npm run bench:embeddings [-- --texts 2000 --queries 300]
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Embedder } from '../src/embeddings/embedder.js';
import { createWordVectorEmbedder } from '../src/embeddings/offline/word-vector-embedder.js';
import { loadTransformers } from '../src/embeddings/onnx/load-transformers.js';
import { createOpenAiCompatibleEmbeddingModel } from '../src/embeddings/remote/openai-compatible-embedding-model.js';
import type { EmbeddingModelV1 } from '../src/spec/embedding-model.js';
import { benchSession } from './corpus.js';
import { peakRssMiB, round, summarise, timed } from './stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const textCount = arg('texts', 2000);
const queryCount = arg('queries', 300);

/** Distinct texts from the benchmark corpus (turns of agent conversations), numbered so none repeats. */
function corpusTexts(count: number, offset: number): string[] {
  const out: string[] = [];
  for (let session = 0; out.length < count; session++) {
    for (const message of benchSession(11, session + offset).messages) {
      if (out.length >= count) break;
      out.push(`${message.content} #${out.length + offset}`);
    }
  }
  return out;
}

/** A stand-in OpenAI-compatible server: hashed vectors of `dims` floats, no model behind it. */
async function loopbackServer(dims: number): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { input } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string[] };
      const data = input.map((text, index) => {
        let h = 2166136261;
        for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
        return { object: 'embedding', index, embedding: Array.from({ length: dims }, (_, d) => Math.sin(h + d)) };
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data, model: 'loopback', usage: { prompt_tokens: 0, total_tokens: 0 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function measure(label: string, model: EmbeddingModelV1, note: string): Promise<Record<string, unknown>> {
  const batchTexts = corpusTexts(textCount, 0);
  const queries = corpusTexts(queryCount, 100_000);
  // Warm-up (JIT, sessions, connections), on texts not measured.
  await new Embedder(model, null).embed(corpusTexts(Math.min(64, model.maxEmbeddingsPerCall * 2), 200_000));
  const batch = new Embedder(model, null);
  const run = await timed(() => batch.embed(batchTexts));
  const single = new Embedder(model, null);
  const samples: number[] = [];
  for (const query of queries) samples.push((await timed(() => single.embedOne(query))).ms);
  const cachedSamples: number[] = [];
  for (const query of queries.slice(0, 100)) cachedSamples.push((await timed(() => single.embedOne(query))).ms);
  return {
    provider: label,
    note,
    model: batch.modelId,
    maxEmbeddingsPerCall: model.maxEmbeddingsPerCall,
    batch: {
      texts: batchTexts.length,
      calls: batch.stats.calls,
      ms: round(run.ms, 1),
      textsPerSecond: round(batchTexts.length / (run.ms / 1000), 0),
    },
    singleQueryMs: summarise(samples),
    cachedQueryMs: summarise(cachedSamples),
  };
}

const results: Array<Record<string, unknown>> = [];
results.push(await measure('offline', await createWordVectorEmbedder(), 'default SIF word vectors, 300 dims'));

let transformers = true;
try {
  await loadTransformers();
} catch {
  transformers = false;
}
if (transformers) {
  const { createOnnxEmbeddingModel } = await import('../src/embeddings/onnx/onnx-embedding-model.js');
  const onnx = await createOnnxEmbeddingModel({
    modelDir: fileURLToPath(new URL('../test/fixtures/models/', import.meta.url)),
    modelId: 'strata-fixtures/tiny-random-bert',
    maxEmbeddingsPerCall: 32,
  });
  results.push(
    await measure('onnx-fixture', onnx, 'RANDOM-weight 32-dim test graph: tokenizer + ONNX session + pooling overhead, not a real model'),
  );
} else {
  results.push({ provider: 'onnx-fixture', skipped: '@huggingface/transformers is not installed' });
}

const server = await loopbackServer(384);
try {
  const remote = await createOpenAiCompatibleEmbeddingModel({ baseUrl: server.url, model: 'loopback', maxEmbeddingsPerCall: 32 });
  results.push(
    await measure('openai-compatible (loopback)', remote, 'stand-in server on 127.0.0.1, 384 dims: HTTP + JSON client overhead, no model'),
  );
} finally {
  await server.close();
}

process.stdout.write(`${JSON.stringify({ texts: textCount, queries: queryCount, results, peakRssMiB: peakRssMiB() }, null, 2)}\n`);
