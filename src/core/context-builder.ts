import { LRUCache } from 'lru-cache';
import { invalidInput } from '../errors/strata-error.js';
import type { SearchHit } from '../retrieval/hybrid-search.js';
import { hybridSearch } from '../retrieval/hybrid-search.js';
import type { TokenCounter } from '../retrieval/tokenizer.js';
import { type FactRecord, MEMORY_KINDS, type MessageRecord, type SessionRecord } from '../spec/records.js';
import { splitSentences } from '../summarizers/sentences.js';
import { checkPositiveInt, checkTime } from './input.js';
import type { MemoryService } from './memory-service.js';
import { isChunk } from './turn-chunks.js';
import type { ContextDepth, ContextItem, ContextOptions, ContextResponse } from './types.js';

interface DepthPlan {
  readonly recentTurns: number;
  readonly memories: number;
  readonly mmr: number | undefined;
}

const PLANS: Record<ContextDepth, DepthPlan> = {
  rapid: { recentTurns: 6, memories: 8, mmr: undefined },
  standard: { recentTurns: 10, memories: 40, mmr: 0.75 },
  deep: { recentTurns: 20, memories: 80, mmr: 0.7 },
};

const MEMORY_KINDS_BUT_SUMMARY = MEMORY_KINDS.filter((kind) => kind !== 'summary');

/** Shares of the budget each section may take at most; memories get the rest. */
const FACT_SHARE = 0.2;
const SUMMARY_SHARE = 0.2;
const RECENT_SHARE = 0.35;

const HEADERS = {
  fact: '## Known facts (soft hints: the current conversation overrides them)',
  summary: '## Conversation summary',
  memory: '## Relevant memories',
  turn: '## Recent turns',
} as const;

/**
 * Packs the context for the next model call: current facts, the rolling summary, relevant
 * long-term memories and the last turns, trimmed to the token budget with the service's
 * tokenizer. Every item says why it was chosen.
 */
export async function buildContext(
  service: MemoryService,
  session: SessionRecord,
  options: ContextOptions,
  clockNow: number,
): Promise<ContextResponse> {
  const budget = checkPositiveInt('tokenBudget', options.tokenBudget, 2000, 200_000);
  const depth = options.depth ?? 'standard';
  const plan = Object.hasOwn(PLANS, depth) ? PLANS[depth] : undefined;
  if (!plan) throw invalidInput('depth', 'depth must be rapid, standard or deep');
  const now = checkTime('now', options.now, clockNow);
  const tokens = service.tokenizer;
  // Items (facts, turns, memories) recur from one call to the next of a session: their counts are memoised.
  const countItem = memoisedCount(tokens);
  const store = service.store;
  const scope = { userId: session.userId, agentId: session.agentId, namespace: session.namespace };

  const [userFacts, agentFacts, recentDesc] = await Promise.all([
    service.getFacts({ ...scope, agentId: undefined, asOf: now }),
    session.agentId === undefined ? Promise.resolve([]) : service.getFacts({ ...scope, asOf: now }),
    store.listMessages(session.tenantId, session.id, { limit: plan.recentTurns, order: 'desc' }),
  ]);
  // The user's facts, with the session agent's own facts taking precedence for the same subject.key.
  const agentKeys = new Set(agentFacts.map((fact) => `${fact.subject}\u0000${fact.key}`));
  const facts = [...agentFacts, ...userFacts.filter((fact) => !agentKeys.has(`${fact.subject}\u0000${fact.key}`))];
  const recent = recentDesc.reverse();
  const query = options.query?.trim() || lastUserMessage(recent)?.content || '';

  let hits: SearchHit[] = [];
  let threshold = service.retrieval.relevanceThreshold;
  if (query.length > 0) {
    const outcome = await hybridSearch(
      store,
      service.embedder,
      {
        query,
        // Rolling summaries are not among the memories: the session's own is in its section, and
        // other sessions' are coarse copies of turns and notes that crowd out the precise ones.
        filter: {
          tenantId: session.tenantId,
          userId: session.userId,
          namespace: session.namespace,
          until: now + 1,
          kinds: MEMORY_KINDS_BUT_SUMMARY,
        },
        k: plan.memories,
        mode: 'hybrid',
        mmrLambda: plan.mmr,
        now,
      },
      service.retrieval,
    );
    threshold = outcome.threshold;
    hits = outcome.hits;
  }

  let used = 0;
  const chosen: ContextItem[] = [];
  let dropped = 0;
  const take = (item: ContextItem, cap: number, sectionUsed: { n: number }): boolean => {
    if (used + item.tokens > budget || sectionUsed.n + item.tokens > cap) {
      dropped++;
      return false;
    }
    used += item.tokens;
    sectionUsed.n += item.tokens;
    chosen.push(item);
    return true;
  };
  const headerCost = (kind: keyof typeof HEADERS): number => countItem(`${HEADERS[kind]}\n`) + 1;

  // Facts.
  if (facts.length > 0) {
    const section = { n: headerCost('fact') };
    used += section.n;
    for (const fact of facts) take(factItem(fact, countItem), budget * FACT_SHARE, section);
    if (!chosen.some((item) => item.kind === 'fact')) used -= section.n;
  }
  // Rolling summary.
  if (session.summary) {
    const section = { n: headerCost('summary') };
    used += section.n;
    // A summary longer than its share loses its oldest sentences rather than its place.
    const cap = Math.min(budget * SUMMARY_SHARE - section.n, budget - used) - 1;
    const sentences = splitSentences(session.summary);
    let text = session.summary;
    while (sentences.length > 1 && tokens.count(text) > cap) {
      sentences.shift();
      text = sentences.join(' ');
    }
    const trimmed = text !== session.summary;
    const item: ContextItem = {
      kind: 'summary',
      id: `summary:${session.id}`,
      text,
      tokens: tokens.count(text) + 1,
      createdAt: session.updatedAt,
      why: { reason: `rolling summary of turns up to #${session.summarizedUpToSeq}${trimmed ? ' (oldest sentences trimmed to fit)' : ''}` },
      source: [],
    };
    if (!take(item, budget * SUMMARY_SHARE, section)) used -= section.n;
  }
  // Recent turns: newest first until the share is spent, then shown in order.
  const recentItems: ContextItem[] = [];
  if (recent.length > 0) {
    const section = { n: headerCost('turn') };
    used += section.n;
    for (const message of [...recent].reverse()) {
      const item = turnItem(message, countItem, recent.length - recentItems.length);
      if (!take(item, budget * RECENT_SHARE, section)) break;
      recentItems.push(item);
    }
    if (recentItems.length === 0) used -= section.n;
  }
  // Relevant memories: best first until the budget is spent.
  if (hits.length > 0) {
    const section = { n: headerCost('memory') };
    used += section.n;
    let rank = 0;
    let any = false;
    // Messages already shown (recent turns, earlier turns and chunks) are not repeated, nor is a
    // memory whose every source message an earlier chosen memory already covers (a note promoted
    // from a turn and the turn itself); a chunk shows only its turns not shown yet.
    const shown = new Set(recentItems.map((item) => item.id));
    for (const hit of hits) {
      rank++;
      const source = hit.memory.source;
      if (source.length > 0 && source.every((id) => shown.has(id))) continue;
      const body = isChunk(hit.memory)
        ? chunkLines(hit.memory.text, source, shown)
        : renderMemoryText(hit.memory.kind, hit.memory.text, hit.memory.metadata.role);
      const text = `- ${renderDate(hit.memory.createdAt)} ${body}`;
      // o200k never puts two space-separated words in one token: an item with more words than
      // the budget has left cannot fit, and is dropped without counting its tokens (counting
      // every candidate was about a third of a context's CPU).
      if (used + wordsIn(text) + 1 > budget) {
        dropped++;
        continue;
      }
      const item: ContextItem = {
        kind: 'memory',
        id: hit.memory.id,
        text,
        tokens: countItem(text) + 1,
        createdAt: hit.memory.createdAt,
        why: {
          reason: hit.scores.relevance >= threshold ? 'relevant memory' : 'related memory (below relevance threshold)',
          rank,
          scores: hit.scores,
        },
        source: hit.memory.source,
      };
      if (take(item, budget, section)) {
        any = true;
        for (const id of source) shown.add(id);
      }
    }
    if (!any) used -= section.n;
  }

  // The joined text's count, from memoised counts of its lines where the tokenizer allows (it
  // cost a tenth of a context's CPU counted whole): each line ends with its newline, and the
  // next begins with '-' or '#' (a summary may not: then the text is counted whole).
  const countLines = (lines: readonly string[]): number =>
    tokens.additiveAtNewlines && lines.every((line, i) => i === 0 || !CUT_BLOCKER.test(line))
      ? lines.reduce((sum, line) => sum + countItem(line), 0)
      : tokens.count(lines.join(''));
  let lines = renderLines(chosen);
  let total = countLines(lines);
  // The per-item counts are close to, not exactly, the count of the joined text: trim the weakest memory until it fits.
  while (total > budget) {
    const lastMemory = [...chosen].reverse().find((item) => item.kind === 'memory') ?? [...chosen].find((item) => item.kind === 'turn');
    if (!lastMemory) break;
    chosen.splice(chosen.indexOf(lastMemory), 1);
    dropped++;
    lines = renderLines(chosen);
    total = countLines(lines);
  }
  const finalText = lines.join('');
  return {
    text: finalText,
    tokens: total,
    tokenBudget: budget,
    tokenizer: tokens.name,
    depth,
    items: chosen,
    dropped,
    used: true,
    reason: null,
    threshold,
  };
}

/**
 * Token counts of item texts and of the packed text's lines, one LRU per tokenizer (texts up to
 * 2,048 characters, 4,096 of them or 2 MB of their strings). An agent asks for the context of
 * the same session turn after turn, and most items come back: the recent turns, the facts, the
 * memories of the topic at hand. A larger memo (16,384 texts, 8 MB) saved CPU on the HTTP bench's
 * 50 users but is live heap, which the old generation multiplies: serving peak RSS at 100k rose
 * by tens of MiB.
 */
const MEMO_MAX_CHARS = 2048;
const memos = new WeakMap<TokenCounter, LRUCache<string, number>>();

function memoisedCount(counter: TokenCounter): (text: string) => number {
  let memo = memos.get(counter);
  if (!memo) {
    memo = new LRUCache<string, number>({ max: 4_096, maxSize: 2_000_000, sizeCalculation: (_count, text) => 2 * text.length + 100 });
    memos.set(counter, memo);
  }
  const counts = memo;
  return (text) => {
    if (text.length > MEMO_MAX_CHARS) return counter.count(text);
    let count = counts.get(text);
    if (count === undefined) {
      count = counter.count(text);
      counts.set(text, count);
    }
    return count;
  };
}

/** Whitespace-separated words: a lower bound on the text's o200k tokens. */
function wordsIn(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code === 32 || code === 10 || code === 9 || code === 13;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return words;
}

/** A text starting so may extend the previous line's last piece (see TokenCounter.additiveAtNewlines). */
const CUT_BLOCKER = /^[\s/]/;

/**
 * The packed text as its lines, each with the newline that ends it (two at the end of a section,
 * none after the last): headers, then the items of each section. Joined, they are the text.
 */
function renderLines(items: readonly ContextItem[]): string[] {
  const sections: string[][] = [];
  const order: Array<keyof typeof HEADERS> = ['fact', 'summary', 'memory', 'turn'];
  for (const kind of order) {
    let group = items.filter((item) => item.kind === kind);
    if (group.length === 0) continue;
    // Memories and turns read best in time order. Recent turns were taken newest first: reverse
    // them before the (stable) sort so that turns with the same timestamp keep their order.
    if (kind === 'turn') group = [...group].reverse();
    if (kind === 'memory' || kind === 'turn') group = [...group].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0));
    sections.push([HEADERS[kind], ...group.map((item) => item.text)]);
  }
  const lines: string[] = [];
  for (const [s, section] of sections.entries()) {
    for (const [i, line] of section.entries()) {
      const last = i === section.length - 1;
      lines.push(last ? (s === sections.length - 1 ? line : `${line}\n\n`) : `${line}\n`);
    }
  }
  return lines;
}

function factItem(fact: FactRecord, count: (text: string) => number): ContextItem {
  const text = `- ${fact.subject}.${fact.key} = ${JSON.stringify(fact.value)} (since ${renderTime(fact.validFrom)})`;
  return {
    kind: 'fact',
    id: fact.id,
    text,
    tokens: count(text) + 1,
    createdAt: fact.validFrom,
    why: { reason: 'current pinned fact' },
    source: fact.source ? [fact.source] : [],
  };
}

function turnItem(message: MessageRecord, count: (text: string) => number, position: number): ContextItem {
  const speaker = message.name ? `${message.role} (${message.name})` : message.role;
  const text = `- ${renderTime(message.createdAt)} ${speaker}: ${message.content}`;
  return {
    kind: 'turn',
    id: message.id,
    text,
    tokens: count(text) + 1,
    createdAt: message.createdAt,
    why: { reason: `recent turn (${position} from the end)` },
    source: [message.id],
  };
}

function renderMemoryText(kind: string, text: string, role: unknown): string {
  if (kind === 'turn') return `${typeof role === 'string' ? role : 'turn'}: ${text}`;
  return `${kind}: ${text}`;
}

/** A chunk's turns (one line each, in source order) not shown yet, joined on one line. */
function chunkLines(text: string, source: readonly string[], shown: ReadonlySet<string>): string {
  const lines = text.split('\n');
  if (lines.length !== source.length) return text.replaceAll('\n', ' / ');
  return lines.filter((_, i) => !shown.has(source[i] as string)).join(' / ');
}

function renderDate(ms: number): string {
  return `[${new Date(ms).toISOString().slice(0, 10)}]`;
}

function renderTime(ms: number): string {
  return `[${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}]`;
}

function lastUserMessage(messages: readonly MessageRecord[]): MessageRecord | undefined {
  return [...messages].reverse().find((message) => message.role === 'user');
}
