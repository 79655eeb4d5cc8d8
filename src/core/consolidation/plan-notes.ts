import type { Embedder } from '../../embeddings/embedder.js';
import type { ConsolidationMerge } from '../../spec/consolidation-store.js';
import type { MemoryFilter, MemoryStoreV1, NewMemory } from '../../spec/memory-store.js';
import type { MemoryRecord, MessageRecord, SessionRecord } from '../../spec/records.js';
import { contentHash } from '../../util/hash.js';
import { dot } from '../../util/vector-math.js';
import { noteIdOf } from './ids.js';
import { cueCandidate, PROTOTYPES, promotionScore } from './promotion.js';

export interface NotePlan {
  readonly insert: NewMemory[];
  readonly merge: ConsolidationMerge[];
  /** Notes folded into another (exact or near duplicates). */
  readonly merged: number;
}

interface Planned {
  memory: NewMemory;
  vector: Float32Array;
  source: string[];
  clientIds: string[];
  supersedes: string[];
}

/**
 * Which user turns of a run become notes, and how they meet the user's existing notes: the
 * same content hash merges into the existing note (its source grows); a cosine at or above
 * the threshold supersedes it with the new wording, whose source lists both. Nothing is
 * written here: the plan is committed with the checkpoint.
 */
export async function planNotes(input: {
  store: MemoryStoreV1;
  embedder: Embedder;
  session: SessionRecord;
  turns: readonly MessageRecord[];
  now: number;
  options: { dedupeThreshold?: number | undefined; promoteThreshold?: number | undefined };
}): Promise<NotePlan> {
  const { store, embedder, session, turns } = input;
  const threshold = input.options.dedupeThreshold ?? 0.92;
  const promote = input.options.promoteThreshold ?? 0.45;
  const found = turns.flatMap((turn) => {
    if (turn.role !== 'user') return [];
    const candidate = cueCandidate(turn.content);
    return candidate ? [{ turn, candidate, text: turn.name ? `${turn.name}: ${candidate.text}` : candidate.text }] : [];
  });
  if (found.length === 0) return { insert: [], merge: [], merged: 0 };
  const vectors = await embedder.embed([...found.map((f) => f.text), ...PROTOTYPES]);
  const prototypes = vectors.slice(found.length);
  let merged = 0;
  const planned: Planned[] = [];
  found.forEach((f, i) => {
    const vector = vectors[i] as Float32Array;
    const score = promotionScore(f.candidate.cueScore, Math.max(...prototypes.map((p) => dot(vector, p))));
    if (score < promote) return;
    const hash = contentHash(f.text);
    const memory: NewMemory = {
      id: noteIdOf(session.tenantId, session.id, f.turn.id),
      tenantId: session.tenantId,
      userId: session.userId,
      agentId: session.agentId,
      namespace: session.namespace,
      sessionId: session.id,
      kind: 'note',
      text: f.text,
      context: null,
      tags: [],
      importance: Math.round((0.5 + 0.4 * score) * 1000) / 1000,
      source: [f.turn.id],
      contentHash: hash,
      metadata: { promotedBy: 'consolidation', cues: [...f.candidate.cues], score: Math.round(score * 1000) / 1000 },
      embedding: vector,
      embeddingModel: embedder.modelId,
      createdAt: f.turn.createdAt,
      validFrom: f.turn.createdAt,
      validTo: null,
    };
    const next: Planned = {
      memory,
      vector,
      source: [f.turn.id],
      clientIds: f.turn.clientMsgId ? [f.turn.clientMsgId] : [],
      supersedes: [],
    };
    // A sibling in this run saying the same: the later wording stays, with both sources.
    const sibling = planned.findIndex((p) => p.memory.contentHash === hash || dot(p.vector, vector) >= threshold);
    if (sibling >= 0) {
      const earlier = planned[sibling] as Planned;
      next.source = union(earlier.source, next.source);
      next.clientIds = union(earlier.clientIds, next.clientIds);
      planned.splice(sibling, 1);
      merged++;
    }
    planned.push(next);
  });

  const scope: MemoryFilter = { tenantId: session.tenantId, userId: session.userId, namespace: session.namespace ?? '', kinds: ['note'] };
  const merges = new Map<string, ConsolidationMerge>();
  const insert: NewMemory[] = [];
  // Folds a planned note into an existing one: the existing text stays, its provenance grows.
  const mergeInto = (existing: MemoryRecord, p: Planned): void => {
    const base = merges.get(existing.id) ?? existing;
    merges.set(existing.id, {
      id: existing.id,
      source: union([...base.source], p.source),
      metadata: { ...base.metadata, sourceClientMsgIds: union(stringList(base.metadata.sourceClientMsgIds), p.clientIds) },
      importance: Math.max(base.importance, p.memory.importance),
    });
    merged++;
  };
  for (const p of planned) {
    const [same] = await store.listMemories({ ...scope, contentHash: p.memory.contentHash }, { limit: 1 });
    if (same) {
      mergeInto(same, p);
      continue;
    }
    const [near] = await store.vectorSearch(scope, p.vector, embedder.modelId, 1, { exact: true });
    let old: MemoryRecord | undefined;
    if (near && near.score >= threshold) [old] = await store.getMemories(session.tenantId, [near.id]);
    // A statement older than the note it resembles (history imported late) does not replace it.
    if (old && old.createdAt > p.memory.createdAt) {
      mergeInto(old, p);
      continue;
    }
    if (old) {
      p.source = union([...old.source], p.source);
      p.clientIds = union(stringList(old.metadata.sourceClientMsgIds), p.clientIds);
      p.supersedes.push(old.id);
      merges.set(old.id, {
        id: old.id,
        source: [...old.source],
        metadata: old.metadata,
        importance: old.importance,
        supersededBy: p.memory.id,
        validTo: p.memory.createdAt,
      });
      merged++;
    }
    insert.push({
      ...p.memory,
      source: p.source,
      importance: Math.max(p.memory.importance, old?.importance ?? 0),
      metadata: { ...p.memory.metadata, sourceClientMsgIds: p.clientIds, ...(p.supersedes.length > 0 ? { supersedes: p.supersedes } : {}) },
    });
  }
  return { insert, merge: [...merges.values()], merged };
}

function union(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
