import { describe, expect, it } from 'vitest';
import { expectedAnswerType, holdsAnswerType } from '../../src/retrieval/answer-type.js';
import { DEFAULT_RETRIEVAL } from '../../src/retrieval/hybrid-search.js';
import { memoryInRam } from '../helpers/memory.js';

describe('expected answer type', () => {
  it('reads the kind of answer from the question wording', () => {
    expect(expectedAnswerType('Which days of the week does the runner currently train on?')).toBe('weekday');
    expect(expectedAnswerType('When does the new job start?')).toBe('time');
    expect(expectedAnswerType('Which came first, and when was the band raised?')).toBe('time');
    expect(expectedAnswerType('On what date were the practice exams actually held?')).toBe('time');
    expect(expectedAnswerType('How much above the expectation is the offer?')).toBe('quantity');
    expect(expectedAnswerType('What is the upper limit of the pay range?')).toBe('quantity');
    // "when" as a conjunction asks for no time; a question without a cue has no type.
    expect(expectedAnswerType('What was wrong with the machine when the customer unpacked it?')).toBeNull();
    expect(expectedAnswerType("What is the name of the user's dog?")).toBeNull();
  });

  it('tells whether a text holds an answer of that kind', () => {
    expect(holdsAnswerType('Can we do Monday, Wednesday, Saturday instead?', 'weekday')).toBe(true);
    expect(holdsAnswerType('mocks are on 10th march now', 'time')).toBe(true);
    expect(holdsAnswerType('It starts on March 2nd.', 'time')).toBe(true);
    expect(holdsAnswerType('See you tomorrow at 11:00', 'time')).toBe(true);
    expect(holdsAnswerType('The refund went out on 14 May.', 'time')).toBe(true);
    // The modal verb "may" is no month, and a plain sentence holds no date or number.
    expect(holdsAnswerType('It may still be with your bank.', 'time')).toBe(false);
    expect(holdsAnswerType('I showed the CFO your market data.', 'quantity')).toBe(false);
    expect(holdsAnswerType('He approved raising the top of the band to 100k.', 'quantity')).toBe(true);
    expect(holdsAnswerType('It costs £349.', 'quantity')).toBe(true);
  });
});

describe('search with an answer-type cue', () => {
  it('adds answerTypeWeight to the memories that hold the asked kind of answer, and only to them', async () => {
    const scores = async (answerTypeWeight: number): Promise<Map<string, number>> => {
      const memory = await memoryInRam({ retrieval: { answerTypeWeight, searchMmr: null } });
      try {
        await memory.remember({ userId: 'u', text: 'The new job at the hospital is exciting and the team seems kind' });
        await memory.remember({ userId: 'u', text: 'My new role at the hospital begins on March 2nd' });
        const { results } = await memory.search('When does the new job at the hospital start?', { userId: 'u', k: 2 });
        return new Map(results.map((r) => [r.memory.text.startsWith('My') ? 'dated' : 'plain', r.score]));
      } finally {
        await memory.close();
      }
    };
    const off = await scores(0);
    const on = await scores(DEFAULT_RETRIEVAL.answerTypeWeight);
    expect(DEFAULT_RETRIEVAL.answerTypeWeight).toBeGreaterThan(0);
    expect((on.get('dated') as number) - (off.get('dated') as number)).toBeCloseTo(DEFAULT_RETRIEVAL.answerTypeWeight, 6);
    expect(on.get('plain')).toBeCloseTo(off.get('plain') as number, 6);
  });
});
