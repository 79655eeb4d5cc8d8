import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Meter } from '../components/charts.js';
import { PageTitle } from '../components/page-title.js';
import { Empty, ErrorBox } from '../components/status.js';
import { UserPicker } from '../components/user-picker.js';
import { formatScore, formatTime, plural } from '../format.js';
import { useAsync } from '../hooks.js';
import { href, navigate } from '../router.js';
import type { ContextResponse, ScoreBreakdown, SearchResponse } from '../types.js';

const SIGNALS: Array<{ key: keyof ScoreBreakdown; label: string; max: (r: ScoreBreakdown[]) => number }> = [
  { key: 'keyword', label: 'keyword (BM25)', max: (rows) => Math.max(...rows.map((r) => r.keyword ?? 0), 1e-9) },
  { key: 'vector', label: 'vector (cosine)', max: () => 1 },
  { key: 'fused', label: 'fused', max: (rows) => Math.max(...rows.map((r) => r.fused), 1e-9) },
  { key: 'softMatch', label: 'soft match', max: () => 1 },
  { key: 'recency', label: 'recency', max: () => 1 },
  { key: 'importance', label: 'importance', max: () => 1 },
  { key: 'relevance', label: 'relevance', max: () => 1 },
];

/** Search and context for a user or session: ranked results with every signal's score, and the packed context against its budget. */
export function PlaygroundPage({ user, session }: { user?: string | undefined; session?: string | undefined }) {
  const sessions = useAsync(() => (user ? api.sessions(user) : Promise.resolve([])), [user]);
  const go = (next: Record<string, string | undefined>) => navigate(href(['search'], { user, session, ...next }));
  return (
    <section>
      <PageTitle title="Search & context">Search &amp; context</PageTitle>
      <div class="toolbar">
        <UserPicker value={user} onChange={(userId) => go({ user: userId, session: undefined })} />
        <div class="field">
          <label for="session-picker">Session</label>
          <select
            id="session-picker"
            value={session ?? ''}
            onChange={(e) => go({ session: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">{user ? 'any session of the user' : 'choose a user first'}</option>
            {sessions.data?.map((s) => (
              <option key={s.id} value={s.id}>
                {s.id}
              </option>
            ))}
          </select>
        </div>
      </div>
      {user ? (
        <>
          <SearchPanel user={user} session={session} />
          <ContextPanel session={session} />
        </>
      ) : (
        <Empty>Choose a user to search their memories.</Empty>
      )}
    </section>
  );
}

function SearchPanel({ user, session }: { user: string; session: string | undefined }) {
  const [query, setQuery] = useState('');
  const [mode, setMode] = useState('hybrid');
  const [k, setK] = useState('10');
  const [result, setResult] = useState<SearchResponse | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (event: Event) => {
    event.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.search({ query, userId: user, ...(session ? { sessionId: session } : {}), mode, k: Number(k) }));
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  const rows = result?.results.map((r) => r.scores) ?? [];
  return (
    <section aria-labelledby="search-title" class="panel">
      <h2 id="search-title">Search</h2>
      <form class="toolbar" onSubmit={run}>
        <div class="field grow">
          <label for="search-query">Query</label>
          <input
            id="search-query"
            type="search"
            value={query}
            onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            placeholder="what do we know about…"
          />
        </div>
        <div class="field">
          <label for="search-mode">Mode</label>
          <select id="search-mode" value={mode} onChange={(e) => setMode((e.target as HTMLSelectElement).value)}>
            <option value="hybrid">hybrid</option>
            <option value="keyword">keyword</option>
            <option value="vector">vector</option>
          </select>
        </div>
        <div class="field narrow">
          <label for="search-k">Results</label>
          <input id="search-k" type="number" min={1} max={50} value={k} onInput={(e) => setK((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Searching…' : 'Search'}
        </button>
      </form>
      {error && <ErrorBox error={error} />}
      {result && (
        <>
          <p class="muted" aria-live="polite">
            {plural(result.results.length, 'result')} in {result.tookMs.toFixed(1)} ms · relevance threshold {result.threshold.toFixed(2)}
            {result.used ? '' : ` · memory not searched (${result.reason})`}
          </p>
          {result.results.length === 0 ? (
            <Empty>Nothing matched.</Empty>
          ) : (
            <ol class="results" data-testid="search-results">
              {result.results.map((r) => (
                <li key={r.memory.id} class={`card result${r.relevant ? '' : ' below'}`}>
                  <div class="card-head">
                    <span class={`kind kind-${r.memory.kind}`}>{r.memory.kind}</span>
                    <strong class="score">score {formatScore(r.score)}</strong>
                    <span class={`badge ${r.relevant ? 'badge-done' : 'badge-not-yet'}`}>
                      {r.relevant ? 'relevant' : 'below threshold'}
                    </span>
                  </div>
                  <p class="memory-text">{r.memory.text}</p>
                  <table class="signals">
                    <caption class="sr-only">Score breakdown per signal</caption>
                    <tbody>
                      {SIGNALS.map((signal) => {
                        const value = r.scores[signal.key];
                        return (
                          <tr key={signal.key}>
                            <th scope="row">{signal.label}</th>
                            <td>
                              <Meter value={value} max={signal.max(rows)} label={signal.label} />
                            </td>
                            <td class="num">{formatScore(value)}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                  <p class="muted small">
                    {formatTime(r.memory.createdAt)}
                    {r.memory.sessionId && (
                      <>
                        {' · '}
                        <a href={href(['sessions', r.memory.sessionId], { highlight: r.memory.source.join(',') })}>source turns</a>
                      </>
                    )}
                  </p>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

const ITEM_KINDS = ['fact', 'summary', 'memory', 'turn'] as const;

function ContextPanel({ session }: { session: string | undefined }) {
  const [query, setQuery] = useState('');
  const [budget, setBudget] = useState('600');
  const [depth, setDepth] = useState('standard');
  const [result, setResult] = useState<ContextResponse | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async (event: Event) => {
    event.preventDefault();
    if (!session) return;
    setBusy(true);
    setError(null);
    try {
      setResult(await api.context(session, { ...(query.trim() ? { query } : {}), tokenBudget: Number(budget), depth }));
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="context-title" class="panel">
      <h2 id="context-title">Context</h2>
      {!session ? (
        <Empty>Choose a session to pack its context.</Empty>
      ) : (
        <form class="toolbar" onSubmit={run}>
          <div class="field grow">
            <label for="context-query">Query (default: the last user turn)</label>
            <input id="context-query" type="search" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
          </div>
          <div class="field narrow">
            <label for="context-budget">Token budget</label>
            <input
              id="context-budget"
              type="number"
              min={1}
              max={200000}
              value={budget}
              onInput={(e) => setBudget((e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <label for="context-depth">Depth</label>
            <select id="context-depth" value={depth} onChange={(e) => setDepth((e.target as HTMLSelectElement).value)}>
              <option value="rapid">rapid</option>
              <option value="standard">standard</option>
              <option value="deep">deep</option>
            </select>
          </div>
          <button type="submit" disabled={busy}>
            {busy ? 'Packing…' : 'Get context'}
          </button>
        </form>
      )}
      {error && <ErrorBox error={error} />}
      {result && <ContextResult result={result} />}
    </section>
  );
}

function ContextResult({ result }: { result: ContextResponse }) {
  const byKind = ITEM_KINDS.map((kind) => ({
    kind,
    tokens: result.items.filter((i) => i.kind === kind).reduce((n, i) => n + i.tokens, 0),
  }));
  const total = Math.max(result.tokenBudget, result.tokens, 1);
  return (
    <>
      <div class="budget" data-testid="budget">
        <div class="budget-label">
          <strong>
            {result.tokens} / {result.tokenBudget} tokens
          </strong>{' '}
          <span class="muted">
            ({result.tokenizer}, {result.depth}
            {result.dropped > 0 ? `, ${result.dropped} dropped for the budget` : ''}
            {result.used ? '' : `, memory not used: ${result.reason}`})
          </span>
        </div>
        <meter class="sr-only" min={0} max={result.tokenBudget} value={result.tokens} aria-label="Token budget used">
          {result.tokens} of {result.tokenBudget} tokens
        </meter>
        <div class="budget-bar" aria-hidden="true">
          {byKind.map(({ kind, tokens }) =>
            tokens > 0 ? (
              <span key={kind} class={`budget-seg seg-${kind}`} style={{ width: `${((tokens / total) * 100).toFixed(2)}%` }} />
            ) : null,
          )}
        </div>
        <ul class="legend">
          {byKind.map(({ kind, tokens }) => (
            <li key={kind}>
              <span class={`swatch seg-${kind}`} aria-hidden="true" />
              {kind}: {tokens}
            </li>
          ))}
        </ul>
      </div>
      <ol class="context-items">
        {result.items.map((item) => (
          <li key={`${item.kind}-${item.id}`} class={`card item-${item.kind}`}>
            <div class="card-head">
              <span class={`kind kind-${item.kind}`}>{item.kind}</span>
              <span class="muted">
                {plural(item.tokens, 'token')} · {item.why.reason}
                {item.why.rank !== undefined ? ` · rank ${item.why.rank}` : ''}
                {item.why.scores ? ` · relevance ${formatScore(item.why.scores.relevance)}` : ''}
              </span>
            </div>
            <p class="memory-text">{item.text}</p>
          </li>
        ))}
      </ol>
      <details>
        <summary>The packed text</summary>
        <pre class="packed">{result.text}</pre>
      </details>
    </>
  );
}
