import { type CreateMemoryOptions, createMemory } from '../config/create-memory.js';
import type { MemoryService } from '../core/memory-service.js';
import type { MemoryRecord } from '../spec/records.js';
import type { Scenario } from './scenario-format.js';

export interface QuestionOutcome {
  readonly scenario: string;
  readonly id: string;
  readonly category: string;
  readonly abstention: boolean;
  readonly recall5: number;
  readonly recall10: number;
  readonly allEvidence10: boolean;
  readonly contained: boolean;
  /** Nothing scored at or above the threshold: right for an abstention question, a miss for an answerable one. */
  readonly abstained: boolean;
  readonly maxRelevance: number;
  readonly missing: string[];
  readonly contextTokens: number;
  /** Distinct messages the top 10 results cover (chunk memories cover several). */
  readonly covered10: number;
}

export interface HarnessOptions {
  readonly k?: number;
  readonly tokenBudget?: number;
  readonly memory?: Partial<CreateMemoryOptions>;
  /** Consolidate (summaries, notes) after the sessions are ingested, before the questions. */
  readonly consolidate?: boolean;
}

/** Replays a scenario into a fresh in-memory store and scores every question. */
export async function runScenario(
  scenario: Scenario,
  options: HarnessOptions = {},
): Promise<{ questions: QuestionOutcome[]; factsConsistent: boolean }> {
  // No read deadline: quality must not depend on how loaded the machine is (latency is the bench's job).
  const memory = await createMemory({ path: ':memory:', readDeadlineMs: 0, ...options.memory });
  try {
    await ingest(memory, scenario);
    if (options.consolidate) await memory.consolidate();
    const questions: QuestionOutcome[] = [];
    for (const question of scenario.questions) questions.push(await ask(memory, scenario, question, options));
    const factsConsistent = await checkFacts(memory, scenario);
    return { questions, factsConsistent };
  } finally {
    await memory.close();
  }
}

async function ingest(memory: MemoryService, scenario: Scenario): Promise<void> {
  for (const session of scenario.sessions) {
    await memory.createSession({
      id: session.sessionId,
      userId: scenario.userId,
      agentId: scenario.agentId,
      createdAt: session.startedAt ?? session.messages[0]?.at,
    });
    for (const message of session.messages) {
      await memory.addMessages(session.sessionId, [
        { role: message.role, content: message.content, name: message.name, clientMsgId: message.id, createdAt: message.at },
      ]);
    }
  }
}

/** Message ids (the scenario's, via clientMsgId) a memory covers: its own, or those it was derived from. */
function covered(memory: MemoryRecord): string[] {
  const own = memory.metadata.clientMsgId;
  const derived = memory.metadata.sourceClientMsgIds;
  return [...(typeof own === 'string' ? [own] : []), ...(Array.isArray(derived) ? derived.filter((id) => typeof id === 'string') : [])];
}

async function ask(
  memory: MemoryService,
  scenario: Scenario,
  question: Scenario['questions'][number],
  options: HarnessOptions,
): Promise<QuestionOutcome> {
  const k = options.k ?? 10;
  const search = await memory.search(question.question, { userId: scenario.userId, k, now: question.askedAt });
  const top = search.results.map((result) => covered(result.memory));
  const evidence = question.evidence;
  const recallAt = (n: number): number => {
    if (evidence.length === 0) return 1;
    const seen = new Set(top.slice(0, n).flat());
    return evidence.filter((id) => seen.has(id)).length / evidence.length;
  };
  const session = await memory.createSession({
    id: `question-${question.id}`,
    userId: scenario.userId,
    agentId: scenario.agentId,
    createdAt: question.askedAt,
  });
  const context = await memory.getContext(session.id, {
    query: question.question,
    tokenBudget: options.tokenBudget ?? 1500,
    now: question.askedAt,
  });
  const haystack = context.text.toLowerCase();
  const missing = question.mustContain.filter((needle) => !haystack.includes(needle.toLowerCase()));
  const relevances = [
    ...search.results.map((result) => result.scores.relevance),
    ...context.items.flatMap((item) => (item.why.scores ? [item.why.scores.relevance] : [])),
  ];
  const maxRelevance = relevances.length === 0 ? 0 : Math.max(...relevances);
  return {
    scenario: scenario.id,
    id: question.id,
    category: question.category,
    abstention: evidence.length === 0,
    recall5: recallAt(5),
    recall10: recallAt(10),
    allEvidence10: recallAt(10) === 1,
    contained: missing.length === 0,
    abstained: maxRelevance < search.threshold,
    maxRelevance,
    missing,
    contextTokens: context.tokens,
    covered10: new Set(top.slice(0, 10).flat()).size,
  };
}

/** Sets the scenario's facts in order and checks every as-of answer (supersession). */
async function checkFacts(memory: MemoryService, scenario: Scenario): Promise<boolean> {
  const facts = [...(scenario.facts ?? [])].sort((a, b) => Date.parse(a.validFrom) - Date.parse(b.validFrom));
  const userId = `${scenario.userId}-facts`;
  for (const fact of facts) {
    await memory.setFact({
      userId,
      subject: fact.subject,
      key: fact.key,
      value: fact.value,
      validFrom: fact.validFrom,
      source: fact.source,
    });
  }
  for (const fact of facts) {
    const [at] = await memory.getFacts({ userId, subject: fact.subject, key: fact.key, asOf: fact.validFrom });
    if (JSON.stringify(at?.value) !== JSON.stringify(fact.value)) return false;
    if (fact.validTo) {
      const [after] = await memory.getFacts({ userId, subject: fact.subject, key: fact.key, asOf: fact.validTo });
      if (JSON.stringify(after?.value) === JSON.stringify(fact.value)) return false;
    }
  }
  return true;
}

export interface Summary {
  readonly questions: number;
  readonly recall5: number;
  readonly recall10: number;
  readonly allEvidence10: number;
  readonly containment: number;
  /** Mean distinct messages covered by the top 10 (10 when every result is one turn). */
  readonly covered10: number;
}

export interface HarnessReport {
  readonly overall: Summary;
  readonly byCategory: Record<string, Summary>;
  readonly abstention: {
    readonly questions: number;
    readonly correct: number;
    readonly accuracy: number;
    readonly threshold: number;
    /**
     * The other side of the threshold: answerable questions with a result at or above it. A
     * threshold that abstains on everything is "correct" on every abstention question; this
     * says what it costs the questions that have an answer.
     */
    readonly answerableRelevant: number;
    readonly answerable: number;
  };
  readonly factsConsistent: { readonly scenarios: number; readonly consistent: number };
  readonly outcomes: QuestionOutcome[];
}

export function summarise(
  outcomes: readonly QuestionOutcome[],
  threshold: number,
  facts: { scenarios: number; consistent: number },
): HarnessReport {
  const answerable = outcomes.filter((o) => !o.abstention);
  const abstentions = outcomes.filter((o) => o.abstention);
  const byCategory: Record<string, Summary> = {};
  for (const category of [...new Set(answerable.map((o) => o.category))].sort()) {
    byCategory[category] = summary(answerable.filter((o) => o.category === category));
  }
  const correct = abstentions.filter((o) => o.abstained).length;
  return {
    overall: summary(answerable),
    byCategory,
    abstention: {
      questions: abstentions.length,
      correct,
      accuracy: abstentions.length ? correct / abstentions.length : 1,
      threshold,
      answerableRelevant: answerable.filter((o) => !o.abstained).length,
      answerable: answerable.length,
    },
    factsConsistent: facts,
    outcomes: [...outcomes],
  };
}

function summary(outcomes: readonly QuestionOutcome[]): Summary {
  const mean = (f: (o: QuestionOutcome) => number): number =>
    outcomes.length ? outcomes.reduce((s, o) => s + f(o), 0) / outcomes.length : 0;
  return {
    questions: outcomes.length,
    recall5: mean((o) => o.recall5),
    recall10: mean((o) => o.recall10),
    allEvidence10: mean((o) => (o.allEvidence10 ? 1 : 0)),
    containment: mean((o) => (o.contained ? 1 : 0)),
    covered10: mean((o) => o.covered10),
  };
}
