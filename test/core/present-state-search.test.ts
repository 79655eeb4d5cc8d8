import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { DEFAULT_RETRIEVAL } from '../../src/retrieval/hybrid-search.js';
import { asksForPresentState, statesChange } from '../../src/retrieval/present-cue.js';
import { memoryInRam } from '../helpers/memory.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-02-01T09:00:00Z');

describe('asksForPresentState', () => {
  it('spots questions about the present or final state, and not "new" as a name', () => {
    for (const q of [
      'What is the budget now?',
      'Which days does he currently train on?',
      'What is the current state of the incident?',
      'How many guests ended up at the meal?',
      'On what date were the exams actually held?',
      'What is the latest cost estimate?',
    ]) {
      expect(asksForPresentState(q), q).toBe(true);
    }
    for (const q of ['Where is the chemist near her new home?', 'What did the user eat on Monday?', 'Who knows the answer?']) {
      expect(asksForPresentState(q), q).toBe(false);
    }
  });
});

describe('search for the present state', () => {
  let memory: MemoryService;
  const NOW = T0 + 60 * DAY;

  beforeAll(async () => {
    memory = await memoryInRam();
    await memory.createSession({ id: 'early', userId: 'runner', createdAt: T0 });
    await memory.createSession({ id: 'late', userId: 'runner', createdAt: T0 + 40 * DAY });
    // Both statements match the question about as well; only their order in time tells them apart.
    await memory.addMessages('early', [
      { role: 'user', content: 'I can train three days a week: Tuesday, Thursday and Saturday.', createdAt: T0 },
    ]);
    // Other talk around them, so that scores are normalised over a realistic pool.
    const filler = [
      'My new trail shoes arrived and they feel light.',
      'The weather forecast says rain for the race weekend.',
      'My left knee aches a little after long runs on the days I train.',
      'I ran 5 km in 27 minutes on the track last week.',
      'Should I eat pasta the night before the race?',
      'The club meets at the park gate at seven.',
    ];
    for (const [i, content] of filler.entries()) {
      await memory.addMessages(i % 2 ? 'late' : 'early', [{ role: 'user', content, createdAt: T0 + (i + 1) * 6 * DAY }]);
    }
    await memory.addMessages('late', [
      { role: 'user', content: 'Change of plan: I train on Monday, Wednesday and Saturday each week.', createdAt: T0 + 40 * DAY },
    ]);
  });

  afterAll(async () => {
    await memory.close();
  });

  const scoresOf = async (query: string): Promise<{ rank: number; lead: number }> => {
    const { results } = await memory.search(query, { userId: 'runner', k: 10, now: NOW, kinds: ['turn'] });
    const newer = results.findIndex((r) => r.memory.text.includes('Monday, Wednesday'));
    const older = results.findIndex((r) => r.memory.text.includes('Tuesday, Thursday'));
    expect(newer).toBeGreaterThanOrEqual(0);
    expect(older).toBeGreaterThanOrEqual(0);
    return { rank: newer, lead: (results[newer]?.score ?? 0) - (results[older]?.score ?? 0) };
  };

  it('ranks the newest statement first when the question asks what holds now', async () => {
    expect((await scoresOf('Which days of the week does the runner train on now?')).rank).toBe(0);
  });

  it('weighs time more for the present-state question than for the same question without the cue', async () => {
    const plain = await scoresOf('Which days of the week does the runner train on?');
    const present = await scoresOf('Which days of the week does the runner train on now?');
    // The pool is the same; the cue adds presentRecencyWeight (0.25) times the gap in newness.
    expect(present.lead - plain.lead).toBeGreaterThan(0.1);
  });
});

describe('statesChange', () => {
  it('spots a message that states a new value, and not a plain statement or "new" as a name', () => {
    for (const text of [
      'Can we do Monday, Wednesday, Saturday instead?',
      'mocks are on 10th march now. the sports hall roof is leaking lol',
      'He approved raising the top of the band to 100k.',
      'The dinner moved to Friday.',
      'I switched to the night shift.',
    ]) {
      expect(statesChange(text), text).toBe(true);
    }
    for (const text of ['I can train on Tuesday, Thursday and Saturday.', 'The new machine arrived today.', 'Mocks are on 3rd March.']) {
      expect(statesChange(text), text).toBe(false);
    }
  });
});

describe('search for the present state, change cue', () => {
  it('adds changeCueWeight to the memories that state a change, only when the question asks what holds now', async () => {
    const scores = async (changeCueWeight: number, query: string): Promise<Map<string, number>> => {
      const memory = await memoryInRam({ retrieval: { changeCueWeight, searchMmr: null } });
      try {
        await memory.remember({ userId: 'u', text: 'I can train on Tuesday, Thursday and Saturday.' });
        await memory.remember({ userId: 'u', text: 'Swimming is on Thursday, so can we do Monday, Wednesday and Saturday instead?' });
        const { results } = await memory.search(query, { userId: 'u', k: 2 });
        return new Map(results.map((r) => [r.memory.text.includes('instead') ? 'change' : 'plain', r.score]));
      } finally {
        await memory.close();
      }
    };
    const weight = DEFAULT_RETRIEVAL.changeCueWeight;
    expect(weight).toBeGreaterThan(0);
    const present = 'Which days does the runner currently train on?';
    const [off, on] = [await scores(0, present), await scores(weight, present)];
    expect((on.get('change') as number) - (off.get('change') as number)).toBeCloseTo(weight, 6);
    expect(on.get('plain')).toBeCloseTo(off.get('plain') as number, 6);
    // Without the present cue nothing is added.
    const plain = 'Which days does the runner train on?';
    expect((await scores(weight, plain)).get('change')).toBeCloseTo((await scores(0, plain)).get('change') as number, 6);
  });
});
