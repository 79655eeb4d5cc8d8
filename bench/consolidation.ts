/**
 * Consolidation benchmark: throughput of `consolidate()` (turns/s) over a corpus of sessions
 * on a SQLite file, per-session latency of the offline extractive summarizer, and a rerun
 * (nothing new: the cost of finding no work).
 *
 *   npm run bench:consolidation [-- --sessions 200 --seed 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemory } from '../src/config/create-memory.js';
import { o200kTokenCounter } from '../src/retrieval/tokenizer.js';
import { ExtractiveSummarizer } from '../src/summarizers/extractive-summarizer.js';
import { benchSession } from './corpus.js';
import { peakRssMiB, round, summarise, timed } from './stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sessions = arg('sessions', 200);
const seed = arg('seed', 7);
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-consolidation-'));
try {
  const memory = await createMemory({ path: join(dir, 'strata.db') });
  let turns = 0;
  const corpus = Array.from({ length: sessions }, (_, i) => benchSession(seed, i));
  for (const session of corpus) {
    await memory.createSession({ id: session.id, userId: `u${session.index % 20}`, createdAt: session.createdAt });
    await memory.addMessages(
      session.id,
      session.messages.map((m) => ({ ...m })),
    );
    turns += session.messages.length;
  }

  const first = await timed(() => memory.consolidate());
  const rerun = await timed(() => memory.consolidate());

  // Summary latency alone: one rolling summary per session of the corpus, from scratch.
  const summarizer = new ExtractiveSummarizer(memory.embedder, o200kTokenCounter);
  const samples: number[] = [];
  for (const session of corpus.slice(0, Math.min(100, corpus.length))) {
    const input = {
      previous: null,
      turns: session.messages.map((m, i) => ({
        id: `m${i}`,
        seq: i + 1,
        role: m.role,
        name: null,
        content: m.content,
        createdAt: m.createdAt,
      })),
      tokenBudget: 400,
    };
    samples.push((await timed(() => summarizer.summarize(input))).ms);
  }
  await memory.close();
  const result = {
    sessions,
    turns,
    consolidate: {
      ms: round(first.ms, 1),
      turnsPerSecond: round(turns / (first.ms / 1000), 0),
      sessionsPerSecond: round(sessions / (first.ms / 1000), 1),
      counts: first.value,
    },
    rerunMs: round(rerun.ms, 1),
    summaryLatencyMs: summarise(samples),
    summaryTurnsPerSession: round(turns / sessions, 1),
    peakRssMiB: peakRssMiB(),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
