import {
  ASSISTANT_CLOSERS,
  ASSISTANT_OPENERS,
  CITIES,
  DAYS,
  DOMAINS,
  type Domain,
  MONTHS,
  PARAPHRASES,
  PEOPLE,
  TIMES,
  USER_CLOSERS,
  USER_OPENERS,
} from './corpus-topics.js';

/** A small fast seeded PRNG (sfc32); `next()` is uniform in [0, 1). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Mixes a seed and an index into an independent stream seed. */
function streamSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface BenchMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  readonly clientMsgId: string;
  readonly createdAt: number;
}

export interface BenchSession {
  readonly index: number;
  readonly id: string;
  readonly createdAt: number;
  readonly domains: readonly string[];
  readonly messages: readonly BenchMessage[];
}

/** Sessions start every 5 hours from here (2024-01-01T00:00Z): 2,000 sessions span ~14 months. */
const BASE_TIME = Date.UTC(2024, 0, 1);
const SESSION_SPACING_MS = 5 * 3_600_000;

function fill(template: string, domain: Domain, rng: Rng): string {
  let e = rng.pick(domain.entities);
  let e2 = rng.pick(domain.entities);
  if (e2 === e) e2 = rng.pick(domain.entities);
  if (e === e2) e = domain.entities[(domain.entities.indexOf(e) + 1) % domain.entities.length] as string;
  return template
    .replaceAll('{e}', e)
    .replaceAll('{e2}', e2)
    .replaceAll('{v}', rng.pick(domain.actions))
    .replaceAll('{q}', rng.pick(domain.qualities))
    .replaceAll('{p}', rng.pick(PEOPLE))
    .replaceAll('{c}', rng.pick(CITIES))
    .replaceAll('{n}', String(numberFor(rng)))
    .replaceAll('{d}', rng.pick(DAYS))
    .replaceAll('{m}', rng.pick(MONTHS))
    .replaceAll('{t}', rng.pick(TIMES));
}

function numberFor(rng: Rng): number {
  const r = rng.next();
  if (r < 0.5) return rng.int(2, 30);
  if (r < 0.85) return rng.int(31, 500);
  return rng.int(501, 9_999);
}

function capitalise(text: string): string {
  return text.length === 0 ? text : `${text[0]?.toUpperCase()}${text.slice(1)}`;
}

/** One message of 10-60 words: framing plus topical sentences from the session's domains. */
function message(role: 'user' | 'assistant', domains: readonly Domain[], rng: Rng): string {
  const target = rng.int(10, 60);
  const parts: string[] = [];
  let words = 0;
  const add = (sentence: string): void => {
    parts.push(sentence);
    words += sentence.split(' ').length;
  };
  if (rng.chance(0.4)) add(rng.pick(role === 'user' ? USER_OPENERS : ASSISTANT_OPENERS));
  do {
    const domain = rng.chance(0.75) ? (domains[0] as Domain) : rng.pick(domains);
    add(capitalise(fill(rng.pick(domain.templates), domain, rng)));
  } while (words < target - 6);
  if (words < target && rng.chance(0.5)) add(rng.pick(role === 'user' ? USER_CLOSERS : ASSISTANT_CLOSERS));
  const all = parts.join(' ').split(' ');
  if (all.length <= 60) return all.join(' ');
  return `${all
    .slice(0, 60)
    .join(' ')
    .replace(/[,.!?]$/, '')}.`;
}

/** Session `index` of the corpus: the same (seed, index) always gives the same session. */
export function benchSession(seed: number, index: number): BenchSession {
  const rng = new Rng(streamSeed(seed, index));
  const primary = rng.pick(DOMAINS);
  const domains = [primary, rng.pick(DOMAINS), rng.pick(DOMAINS)];
  const turns = rng.int(20, 80);
  const createdAt = BASE_TIME + index * SESSION_SPACING_MS + rng.int(0, 3_600_000);
  const messages: BenchMessage[] = [];
  let at = createdAt;
  for (let i = 0; i < turns; i++) {
    const role = i % 2 === 0 ? 'user' : 'assistant';
    at += rng.int(5, 180) * 1000;
    messages.push({ role, content: message(role, domains, rng), clientMsgId: `c${index}-${i}`, createdAt: at });
  }
  return { index, id: `bench-s${String(index).padStart(5, '0')}`, createdAt, domains: domains.map((d) => d.name), messages };
}

export interface BenchQuery {
  readonly text: string;
  readonly kind: 'literal' | 'paraphrased';
}

const LITERAL_QUERIES: readonly string[] = [
  'What did I say about the {e}?',
  'When is the {e} with {p}?',
  'How much did the {e} cost?',
  'Which {e} did {p} recommend in {c}?',
  'Why was the {e} {q}?',
  '{e} {e2} {m}',
  'Did we {v} the {e} yet?',
  'What was the plan to {v} the {e} in {m}?',
  '{p} {e} {c}',
  'the {q} {e}',
];

const PARAPHRASE_FRAMES: readonly string[] = [
  'Remind me what happened with {x}',
  'Any notes about {x}?',
  'What was going on with {x} back then',
  'Did I ever mention {x}',
  'Tell me again about {x}',
];

/** `count` queries over the corpus vocabulary; every third is paraphrased away from the corpus words. */
export function benchQueries(seed: number, count: number): BenchQuery[] {
  const rng = new Rng(streamSeed(seed, 0x51f15e));
  const queries: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const domain = rng.pick(DOMAINS);
    const literal = fill(rng.pick(LITERAL_QUERIES), domain, rng);
    if (i % 3 !== 2) {
      queries.push({ text: literal, kind: 'literal' });
      continue;
    }
    const subject = fill(rng.pick(['the {q} {e}', 'my {e}', 'the {e} and the {e2}', '{p} and the {e}']), domain, rng);
    let changed = false;
    let paraphrased = subject
      .split(' ')
      .map((word) => {
        const swap = PARAPHRASES.get(word.toLowerCase());
        if (swap === undefined) return word;
        changed = true;
        return swap;
      })
      .join(' ');
    if (!changed) paraphrased = `${paraphrased} (${domain.name})`;
    queries.push({ text: rng.pick(PARAPHRASE_FRAMES).replace('{x}', paraphrased), kind: 'paraphrased' });
  }
  return queries;
}
