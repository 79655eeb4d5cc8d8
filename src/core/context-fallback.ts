import { invalidInput } from '../errors/strata-error.js';
import type { MessageRecord } from '../spec/records.js';
import { checkPositiveInt } from './input.js';
import type { MemoryService } from './memory-service.js';
import type { ContextDepth, ContextItem, ContextOptions, ContextResponse } from './types.js';

/** Recent turns the fallback shows per depth (as the full context does). */
const FALLBACK_TURNS: Record<ContextDepth, number> = { rapid: 6, standard: 10, deep: 20 };
const HEADER = '## Recent turns';

/** The options a context call is checked against in every mode (bad input is an error even when memory is off). */
export function checkContextOptions(options: ContextOptions): { budget: number; depth: ContextDepth } {
  const budget = checkPositiveInt('tokenBudget', options.tokenBudget, 2000, 200_000);
  const depth = options.depth ?? 'standard';
  if (!Object.hasOwn(FALLBACK_TURNS, depth)) throw invalidInput('depth', 'depth must be rapid, standard or deep');
  return { budget, depth };
}

/** How many recent turns the fallback reads for these options. */
export function fallbackTurns(options: ContextOptions): number {
  return FALLBACK_TURNS[checkContextOptions(options).depth];
}

/**
 * The context when memory is not used (mode, timeout): only the session's last turns (oldest
 * first, newest kept when the budget is short), with `used: false` and the reason.
 */
export function recentTurnsContext(
  service: MemoryService,
  recentNewestFirst: readonly MessageRecord[],
  options: ContextOptions,
  reason: string,
): ContextResponse {
  const { budget, depth } = checkContextOptions(options);
  const count = service.tokenizer.count;
  const items: ContextItem[] = [];
  let used = count(`${HEADER}\n`) + 1;
  let dropped = 0;
  recentNewestFirst.forEach((message, i) => {
    const speaker = message.name ? `${message.role} (${message.name})` : message.role;
    const text = `- [${new Date(message.createdAt).toISOString().slice(0, 16).replace('T', ' ')}] ${speaker}: ${message.content}`;
    const tokens = count(text) + 1;
    if (dropped > 0 || used + tokens > budget) {
      dropped++;
      return;
    }
    used += tokens;
    items.push({
      kind: 'turn',
      id: message.id,
      text,
      tokens,
      createdAt: message.createdAt,
      why: { reason: `recent turn (${i + 1} from the end; fallback: ${reason})` },
      source: [message.id],
    });
  });
  items.reverse();
  let text = items.length === 0 ? '' : [HEADER, ...items.map((item) => item.text)].join('\n');
  // Per-item counts approximate the joined text's: drop the oldest turn until it fits.
  while (items.length > 0 && count(text) > budget) {
    items.shift();
    dropped++;
    text = items.length === 0 ? '' : [HEADER, ...items.map((item) => item.text)].join('\n');
  }
  return {
    text,
    tokens: text.length === 0 ? 0 : count(text),
    tokenBudget: budget,
    tokenizer: service.tokenizer.name,
    depth,
    items,
    dropped,
    used: false,
    reason,
    threshold: service.retrieval.relevanceThreshold,
  };
}
