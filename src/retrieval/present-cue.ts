/**
 * Words by which a question asks for the present or final state of something that may have
 * changed ("what is the budget now", "which days does he currently train", "where did they end
 * up"). For such questions the newest statement on the topic is usually the answer and older
 * ones are what it replaced, so retrieval weighs recency more (RetrievalSettings.presentRecencyWeight).
 * Plain "new" is left out on purpose: "the new job", "her new home" name a thing, not a time.
 */
const PRESENT_CUE =
  /\b(?:now|currently|current|latest|still|nowadays|anymore|actually|finally|eventually|these days|at the moment|at present|most recent(?:ly)?|as of (?:today|now)|up to date|end(?:ed)? up|in the end)\b/i;

export function asksForPresentState(query: string): boolean {
  return PRESENT_CUE.test(query);
}
