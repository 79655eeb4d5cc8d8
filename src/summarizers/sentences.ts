/** Splits text into sentences: at . ! ? … followed by space, and at line breaks. Keeps the punctuation. */
export function splitSentences(text: string): string[] {
  return text
    .split(/\n+/)
    .flatMap((line) => line.split(/(?<=[.!?…])\s+(?=["'“(]?[A-Z0-9])/u))
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0);
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length;
}
