import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { tempDir } from '../helpers/memory.js';

/** Personal data as users type it, and the forms a store could keep it in (compact digits, lower case). */
const PII = {
  email: 'Deniz.Yilmaz+bank@posta.example.com.tr',
  gbPhone: '020 7946 0958',
  trPhone: '+90 532 123 45 67',
  usPhone: '(415) 555-2671',
  visa: '4111 1111 1111 1111',
  mastercard: '5555-5555-5555-4444',
  iban: 'DE89 3704 0044 0532 0130 00',
  ipv4: '203.0.113.77',
  ipv6: '2001:db8:85a3::8a2e:370:7334',
};
const FORMS = [
  ...Object.values(PII),
  PII.email.toLowerCase(),
  '02079460958',
  '5321234567',
  '4155552671',
  '4111111111111111',
  '5555555555554444',
  'DE89370400440532013000',
  '0532013000',
];
/** Words only the personal data contains: none may be a term of the keyword index. */
const TERMS = ['deniz', 'yilmaz', 'posta', '7946', '0958', '2671', '4111', '4444', '3704', '0044', '8a2e', '7334', '203', '113'];

let memory: MemoryService;
let dir: string;
let cleanup: () => void;
let database: string;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  database = join(dir, 'strata.db');
  memory = await createMemory({ path: database, redaction: { phoneCountries: ['GB', 'US', 'TR'] } });
  await memory.createSession({ id: 's1', userId: 'deniz' });
  await memory.addMessages('s1', [
    { role: 'user', content: `Hi, I'm reachable at ${PII.email} or ${PII.gbPhone}; in Istanbul ${PII.trPhone}.` },
    { role: 'assistant', content: 'Thanks, noted your contact details.' },
    { role: 'user', content: `Refund to card ${PII.visa} or ${PII.mastercard}, or IBAN ${PII.iban}.` },
    { role: 'user', content: `The login came from ${PII.ipv4} and ${PII.ipv6}; my US number is ${PII.usPhone}.` },
  ]);
  await memory.remember({ userId: 'deniz', text: `Prefers email at ${PII.email} over calls to ${PII.gbPhone}` });
  await memory.setFact({ userId: 'deniz', subject: 'user', key: 'email', value: PII.email });
});

afterAll(async () => {
  await memory.close();
  cleanup();
});

/** Every file under the data directory (database, WAL, shared memory, vector sidecar), as latin1 text for byte search. */
function rawFiles(): Array<{ name: string; bytes: string }> {
  const out: Array<{ name: string; bytes: string }> = [];
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
    else out.push({ name: path, bytes: readFileSync(path).toString('latin1') });
  };
  walk(dir);
  return out;
}

describe('no personal data at rest (real SQLite file)', () => {
  it('stores the masked text: messages, the turn memories, the note and the fact', async () => {
    const messages = await memory.listMessages('s1');
    expect(messages.map((m) => m.content)).toEqual([
      "Hi, I'm reachable at [EMAIL] or [PHONE]; in Istanbul [PHONE].",
      'Thanks, noted your contact details.',
      'Refund to card [CARD] or [CARD], or IBAN [IBAN].',
      'The login came from [IP] and [IP]; my US number is [PHONE].',
    ]);
    const [fact] = await memory.getFacts({ userId: 'deniz', subject: 'user', key: 'email' });
    expect(fact?.value).toBe('[EMAIL]');
    const notes = await memory.listMemories({ userId: 'deniz', kinds: ['note'] });
    expect(notes.map((m) => m.text)).toEqual(['Prefers email at [EMAIL] over calls to [PHONE]']);
  });

  it('finds none of the originals in the raw bytes of the database, its WAL and the vector files, open and after close', async () => {
    const open = rawFiles();
    expect(
      open.some((file) => file.name.endsWith('strata.db-wal')),
      'the WAL is there while the store is open',
    ).toBe(true);
    // The scan can find text: the masked message is there.
    expect(open.some((file) => file.bytes.includes('Refund to card [CARD]'))).toBe(true);
    for (const file of open) for (const form of FORMS) expect(file.bytes.includes(form), `${form} in ${file.name}`).toBe(false);

    // A second store on the same file, closed: everything checkpointed into the main file.
    const reopened = await createMemory({ path: database });
    await reopened.close();
    for (const file of rawFiles()) for (const form of FORMS) expect(file.bytes.includes(form), `${form} in ${file.name}`).toBe(false);
  });

  it('indexes none of the originals: no keyword hit for their words, no stored text or neighbourhood holding them', async () => {
    // The keyword index (in process, BM25 as FTS5 scores it) answers for words that are stored...
    expect((await memory.store.keywordSearch({ tenantId: 'default' }, ['refund'], 10)).length).toBeGreaterThan(0);
    expect((await memory.store.keywordSearch({ tenantId: 'default' }, ['email'], 10)).length).toBeGreaterThan(0);
    // ...and for none of the words only the personal data had.
    for (const term of TERMS) expect(await memory.store.keywordSearch({ tenantId: 'default' }, [term], 10), term).toEqual([]);
    const db = new Database(database, { readonly: true });
    try {
      const rows = db.prepare('SELECT kind, text, context FROM memories').all() as Array<{
        kind: string;
        text: string;
        context: string | null;
      }>;
      // Every memory is scanned: the turns and note, and the chunk (episode) quoting the turns.
      expect(rows.filter((row) => row.kind !== 'episode').length).toBe(5);
      for (const row of rows) for (const form of FORMS) expect(`${row.text}\n${row.context ?? ''}`.includes(form), form).toBe(false);
    } finally {
      db.close();
    }
  });
});
