import { describe, expect, it } from 'vitest';
import { embeddingOption, embeddingSettingsFromEnv, parseEmbeddingSettings } from '../../src/config/embedding-from-settings.js';
import { loadSettings, SettingsError } from '../../src/config/load-settings.js';
import { expectStrataError, memoryInRam } from '../helpers/memory.js';

const problems = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('expected a SettingsError');
};

describe('embedding settings', () => {
  it('reads the chain and its variables from the environment', () => {
    const settings = loadSettings({
      env: {
        STRATA_EMBEDDING: 'onnx, openai:text-embedding-3-large ,ollama,offline',
        STRATA_EMBEDDING_MODEL: 'nomic-embed-text',
        STRATA_EMBEDDING_URL: 'http://127.0.0.1:8080/v1',
        STRATA_OLLAMA_URL: 'http://gpu-box:11434',
        STRATA_EMBEDDING_API_KEY: 'sk-local',
        STRATA_EMBEDDING_BATCH: '64',
        STRATA_EMBEDDING_TIMEOUT_MS: '5000',
        STRATA_EMBEDDING_DIMENSIONS: '768',
        STRATA_MODEL_DIR: '/srv/models',
        STRATA_ALLOW_MODEL_DOWNLOAD: '1',
      },
    });
    expect(settings.embedding).toEqual({
      chain: ['onnx', 'openai:text-embedding-3-large', 'ollama', 'offline'],
      model: 'nomic-embed-text',
      url: 'http://127.0.0.1:8080/v1',
      ollamaUrl: 'http://gpu-box:11434',
      apiKey: 'sk-local',
      maxBatch: 64,
      timeoutMs: 5000,
      dimensions: 768,
      modelDir: '/srv/models',
      allowDownload: true,
    });
  });

  it('names the variable of every bad value', () => {
    const found = problems(() =>
      loadSettings({
        env: {
          STRATA_EMBEDDING: 'onnx,gpt',
          STRATA_EMBEDDING_BATCH: 'lots',
          STRATA_ALLOW_MODEL_DOWNLOAD: 'maybe',
          STRATA_OLLAMA_URL: 'gpu-box',
        },
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^STRATA_EMBEDDING: .*provider one of onnx, openai, ollama, offline/),
        expect.stringMatching(/^STRATA_EMBEDDING_BATCH: /),
        expect.stringMatching(/^STRATA_ALLOW_MODEL_DOWNLOAD: /),
        expect.stringMatching(/^STRATA_OLLAMA_URL: .*http\(s\) URL/),
      ]),
    );
  });

  it('checks the chain as a whole: openai needs a URL, offline takes no model and comes last', () => {
    expect(problems(() => loadSettings({ env: { STRATA_EMBEDDING: 'openai,offline' } }))).toEqual([
      expect.stringMatching(/^embedding\.url: the chain names openai: set embedding\.url \(STRATA_EMBEDDING_URL\)/),
    ]);
    expect(problems(() => loadSettings({ env: { STRATA_EMBEDDING: 'offline,onnx' } }))).toEqual([expect.stringContaining('put it last')]);
    expect(problems(() => loadSettings({ env: { STRATA_EMBEDDING: 'offline:glove' } }))).toEqual([
      expect.stringContaining('offline takes no model'),
    ]);
  });

  it('the CLI reads the same variables (and only those), INVALID_CONFIG on a bad one; the default chain loads as before', () => {
    expect(embeddingSettingsFromEnv({ STRATA_EMBEDDING: 'ollama:all-minilm', STRATA_PORT: 'not checked here' }).chain).toEqual([
      'ollama:all-minilm',
    ]);
    expect(() => embeddingSettingsFromEnv({ STRATA_EMBEDDING: 'bogus' })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(embeddingOption(embeddingSettingsFromEnv({}), '/data')).toBeUndefined();
    expect(embeddingOption(embeddingSettingsFromEnv({ STRATA_EMBEDDING: 'onnx,offline' }), '/data')).toMatchObject({
      modelDir: '/data/models',
    });
  });

  it('createMemory validates settings given in code before opening anything', async () => {
    const error = await expectStrataError(memoryInRam({ embedding: { chain: ['openai'], maxBatch: 0 } }), 'INVALID_CONFIG');
    expect(error.details.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('embedding.maxBatch'), expect.stringContaining('embedding.url')]),
    );
    expect(() => parseEmbeddingSettings({ chain: [] })).toThrow(/at least one provider/);
  });
});
