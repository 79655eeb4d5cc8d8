import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';

/** transformers.js's file-name suffix of each ONNX weight type (onnx/model{suffix}.onnx). */
export const DTYPE_SUFFIXES = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
} as const;
export type OnnxDtype = keyof typeof DTYPE_SUFFIXES;

/** The files a feature-extraction model needs, relative to its folder. */
export function requiredModelFiles(dtype: OnnxDtype): string[] {
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', `onnx/model${DTYPE_SUFFIXES[dtype]}.onnx`];
}

/** The required files missing from `folder`. */
export function missingModelFiles(folder: string, dtype: OnnxDtype): string[] {
  return requiredModelFiles(dtype).filter((file) => !existsSync(join(folder, file)));
}

/**
 * A model version from its weights: the first 12 hex digits of the ONNX file's sha256, so that
 * changed weights under the same model id are a different model (their vectors never mix).
 */
export async function weightsVersion(onnxFile: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(onnxFile)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}
