import { createHash } from 'node:crypto';

/** Content hash used for dedupe and the embedding cache: sha256 of the NFC text, hex. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text.normalize('NFC')).digest('hex');
}
