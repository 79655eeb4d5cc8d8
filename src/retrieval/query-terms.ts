import { eng } from 'stopword';

export const STOPWORDS: ReadonlySet<string> = new Set<string>([
  ...eng,
  ...['what', 'when', 'which', 'who', 'whom', 'whose', 'why', 'does', 'did', 'done', 'doing', 'is', 'are', 'be'],
  ...['was', 'were', 'will', 'shall', 'may', 'ever', 'just', 'any', 'anything', 'something', 'there', 's', 't'],
  ...['its', 'it', 'i', 'me', 'my', 'mine', 'you', 'your', 'yours', 'we', 'us', 'our', 'they', 'them', 'their'],
  ...['she', 'her', 'hers', 'he', 'him', 'his', 'a', 'an', 'the', 'and', 'or', 'not', 'no', 'yes', 'so', 'do'],
]);

/**
 * Keyword terms of a query: lower-cased words and numbers (Unicode letters kept), stop words
 * removed, duplicates dropped. FTS5's Porter tokenizer stems them at match time.
 */
export function queryTerms(query: string): string[] {
  const words =
    query
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const terms: string[] = [];
  const seen = new Set<string>();
  for (const word of words) {
    if (STOPWORDS.has(word) || seen.has(word)) continue;
    if (word.length === 1 && !/\d/.test(word)) continue;
    seen.add(word);
    terms.push(word);
  }
  return terms;
}
