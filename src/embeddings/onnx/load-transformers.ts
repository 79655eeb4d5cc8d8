import { StrataError } from '../../errors/strata-error.js';

/** What Strata uses of `@huggingface/transformers` (typed here: the package is optional, so its types may be absent). */
export interface TransformersModule {
  readonly env: {
    localModelPath: string;
    allowLocalModels: boolean;
    allowRemoteModels: boolean;
    cacheDir: string | null;
  };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { dtype?: string; device?: string; local_files_only?: boolean; cache_dir?: string },
  ): Promise<FeatureExtractor>;
}

/** The feature-extraction pipeline: tokenizer + ONNX session + pooling. */
export interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: 'mean'; normalize: boolean },
  ): Promise<{ readonly dims: readonly number[]; readonly data: unknown }>;
  dispose?(): Promise<void>;
}

export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

/**
 * Imports transformers.js (an optionalDependency) on first use. A missing package, or one whose
 * native part (onnxruntime-node) cannot load on this platform, is DEPENDENCY_MISSING with the
 * install command; Strata itself installs, builds and runs without it.
 */
export async function loadTransformers(specifier: string = TRANSFORMERS_PACKAGE): Promise<TransformersModule> {
  let loaded: { env?: unknown; pipeline?: unknown; default?: unknown };
  try {
    // A variable specifier: tsc must not need the package's types to build Strata.
    loaded = (await import(specifier)) as typeof loaded;
  } catch (cause) {
    const notInstalled = (cause as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
    throw new StrataError(
      'DEPENDENCY_MISSING',
      notInstalled
        ? `the onnx embedding provider needs the optional package ${specifier}, which is not installed: npm install ${specifier}`
        : `the optional package ${specifier} is installed but does not load here (${(cause as Error).message}): reinstall it with npm install ${specifier}`,
      { cause, details: { package: specifier, install: `npm install ${specifier}`, installed: !notInstalled } },
    );
  }
  if (typeof loaded.pipeline !== 'function' || typeof loaded.env !== 'object' || loaded.env === null) {
    throw new StrataError('DEPENDENCY_MISSING', `${specifier} does not export pipeline and env: an unsupported version`, {
      details: { package: specifier, install: `npm install ${specifier}`, installed: true },
    });
  }
  return loaded as unknown as TransformersModule;
}
