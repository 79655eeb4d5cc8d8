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

/**
 * Words by which a message states a change: the new value of something that had another
 * ("can we do Monday instead", "mocks are on the 10th now", "he approved raising the band").
 * "New" is left out here too: "the new machine" names a thing, not a change.
 */
const CHANGE_CUE =
  /\b(?:instead|now|no longer|any ?more|changed?|changes|changing|moved?|moving|switch(?:ed|ing)?|updated?|actually|rather than|from now on|rais(?:e|ed|ing)|lower(?:ed|ing)?|increas(?:e|ed|ing)|decreas(?:e|ed|ing)|cancel(?:l?ed|ling)?|replac(?:e|ed|ing)|postponed?|brought forward|shift(?:ed)?|bump(?:ed)?|tighten(?:ed)?|dropp?(?:ed)?)\b/i;

/** Whether the text states a change (see CHANGE_CUE). */
export function statesChange(text: string): boolean {
  return CHANGE_CUE.test(text);
}
