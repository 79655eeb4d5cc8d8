/**
 * The kind of answer a question asks for, read from its wording ("when", "which days", "how
 * much"), and whether a text holds something of that kind. A question's evidence is often
 * the one message that states the date or the amount ("It starts on March 2nd.", "Can we do
 * Monday, Wednesday, Saturday instead?") while the question shares no word with it; among
 * the candidates that match the topic, those that hold an answer of the asked kind are the
 * likelier evidence (expected answer type, as in classic question answering).
 */
export type AnswerType = 'weekday' | 'time' | 'quantity';

const WEEKDAY_QUESTION = /\b(?:which|what) days?\b(?! ago)[^?]*\bweek\b|\bdays? of the week\b|\bwhich (?:week)?days?\b/i;
// "When" asks only as an interrogative ("When did…", "…, and when"), not as a conjunction
// ("what was wrong when she unpacked it").
const TIME_QUESTION =
  /(?:^|[,;:]\s*|\b(?:and|or|but|since|until|till|by|from)\s+)when\b|\bwhen (?:did|does|do|is|was|were|will|would|has|have|had|are|can|could|should|must)\b|\b(?:what|which) (?:date|day|time|month|year|week|evening|morning|night|weekend)\b|\bhow long (?:ago|until|before|after|since)\b|\bhow (?:soon|recently)\b|\bwhat time\b/i;
const QUANTITY_QUESTION =
  /\bhow (?:much|many|far|long|big|old|often|fast|heavy|tall|large|high|low)\b|\b(?:price|cost|amount|total|budget|limit|number|percent(?:age)?|rate|balance|salary|fee|score|estimate|distance|pace|weight|count)s?\b/i;

const WEEKDAY = /\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b/i;
// "May" only beside a day number: the modal verb is everywhere.
const MONTH =
  /\b(?:jan(?:uary)?|feb(?:ruary)?|march|apr(?:il)?|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b|\b\d{1,2}(?:st|nd|rd|th)? may\b|\bmay \d{1,2}\b/i;
const TIME_WORD =
  /\b(?:today|tomorrow|yesterday|tonight|weekend|(?:next|last|this) (?:week|month|year|time)|\d{1,2}(?:st|nd|rd|th)\b|\d{1,2}[:.]\d{2}\b|\d{4}-\d{2}-\d{2}|in (?:a|one|two|three|\d+) (?:days?|weeks?|months?|years?)|(?:days?|weeks?|months?|years?) (?:ago|later|from now))/i;
const QUANTITY =
  /\d|[£$€¥]|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|thousand|million|half|dozen|once|twice)\b/i;

/** The kind of answer the question asks for, or null when its wording does not say. */
export function expectedAnswerType(question: string): AnswerType | null {
  if (WEEKDAY_QUESTION.test(question)) return 'weekday';
  if (TIME_QUESTION.test(question)) return 'time';
  if (QUANTITY_QUESTION.test(question)) return 'quantity';
  return null;
}

/** Whether the text holds something of that kind: a weekday; a date or time; a number or amount. */
export function holdsAnswerType(text: string, type: AnswerType): boolean {
  switch (type) {
    case 'weekday':
      return WEEKDAY.test(text);
    case 'time':
      return WEEKDAY.test(text) || MONTH.test(text) || TIME_WORD.test(text);
    case 'quantity':
      return QUANTITY.test(text);
  }
}
