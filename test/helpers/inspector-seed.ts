import type { MemoryService } from '../../src/core/memory-service.js';

const DAY = 86_400_000;

/** What the seed wrote that the UI tests look for. */
export interface InspectorSeed {
  readonly windowSeat: string;
  readonly allergy: string;
}

/**
 * A small, realistic tenant for the memory inspector: two users, three sessions (one
 * consolidated), notes with tags and importance, facts with history, rules and a violation.
 * Everything goes through the memory service, as an agent's writes would.
 */
export async function seedInspectorTenant(memory: MemoryService, now = Date.now()): Promise<InspectorSeed> {
  await memory.createSession({ id: 'ada-trip', userId: 'ada', agentId: 'travel-agent', createdAt: now - 3 * DAY });
  await memory.addMessages('ada-trip', [
    { role: 'user', content: 'I want to plan a week in Lisbon in October.', createdAt: now - 3 * DAY },
    { role: 'assistant', content: 'Lovely. Any constraints I should know about?', createdAt: now - 3 * DAY + 20_000 },
    { role: 'user', content: 'I am allergic to peanuts, so restaurants need to know that.', createdAt: now - 3 * DAY + 60_000 },
    {
      role: 'assistant',
      content: 'Noted: I will only suggest places that can handle a peanut allergy.',
      createdAt: now - 3 * DAY + 80_000,
    },
    { role: 'user', content: 'And I always prefer a window seat on flights.', createdAt: now - 3 * DAY + 120_000 },
  ]);
  await memory.consolidate({ sessionId: 'ada-trip' });
  await memory.createSession({ id: 'ada-work', userId: 'ada', createdAt: now - DAY });
  await memory.addMessages('ada-work', [
    { role: 'user', content: 'Remind me to send the quarterly report to Lena on Friday.', createdAt: now - DAY },
    { role: 'assistant', content: 'I will remind you on Friday morning.', createdAt: now - DAY + 15_000 },
  ]);
  const trip = await memory.listMessages('ada-trip', { limit: 10 });
  const allergy = await memory.remember({
    userId: 'ada',
    sessionId: 'ada-trip',
    kind: 'note',
    text: 'Ada is allergic to peanuts',
    tags: ['health', 'food'],
    importance: 0.95,
    source: trip.filter((m) => m.content.includes('peanuts')).map((m) => m.id),
  });
  const windowSeat = await memory.remember({
    userId: 'ada',
    sessionId: 'ada-trip',
    kind: 'note',
    text: 'Ada prefers a window seat on flights',
    tags: ['travel'],
    importance: 0.6,
    source: trip.filter((m) => m.content.includes('window')).map((m) => m.id),
  });
  await memory.setFact({ userId: 'ada', subject: 'user', key: 'city', value: 'Berlin', validFrom: now - 400 * DAY });
  await memory.setFact({ userId: 'ada', subject: 'user', key: 'city', value: 'Lisbon', validFrom: now - 120 * DAY });
  await memory.setFactRule({ userId: 'ada', subject: 'user', key: 'age' }, { type: 'integer', min: 0, max: 130, severity: 'error' });
  await memory.setFact({ userId: 'ada', subject: 'user', key: 'age', value: 36, validFrom: now - 300 * DAY });
  await memory.setFact({ userId: 'ada', subject: 'user', key: 'age', value: 370, validFrom: now - 10 * DAY, source: 'typo in a form' });
  await memory.setFactRule(
    { userId: 'ada', subject: 'user', key: 'diet' },
    { enum: ['omnivore', 'vegetarian', 'vegan'], severity: 'warning' },
  );
  await memory.setFact({ userId: 'ada', subject: 'user', key: 'diet', value: 'vegetarian', validFrom: now - 200 * DAY });

  await memory.createSession({ id: 'grace-1', userId: 'grace', createdAt: now - 2 * DAY });
  await memory.addMessages('grace-1', [
    { role: 'user', content: 'Can you find me a quiet café to work from near the office?', createdAt: now - 2 * DAY },
    { role: 'assistant', content: 'Try Kaffeehaus Ruhe: quiet, good wifi, two streets away.', createdAt: now - 2 * DAY + 30_000 },
  ]);
  await memory.remember({ userId: 'grace', text: 'Grace prefers tea over coffee', tags: ['drinks'], importance: 0.4 });
  return { windowSeat: windowSeat.memory.id, allergy: allergy.memory.id };
}

/** A second tenant whose data must never show for the first one's key. */
export async function seedOtherTenant(memory: MemoryService): Promise<void> {
  await memory.createSession({ id: 'bob-1', userId: 'bob' });
  await memory.addMessages('bob-1', [{ role: 'user', content: 'My tortoise Sheldon needs a vet appointment.' }]);
  await memory.remember({ userId: 'bob', text: 'Bob keeps a tortoise called Sheldon', tags: ['pets'] });
}
