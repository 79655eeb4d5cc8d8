import { api } from '../api.js';
import { PageTitle } from '../components/page-title.js';
import { Empty, pending } from '../components/status.js';
import { UserPicker } from '../components/user-picker.js';
import { formatDate, formatJson, formatTime } from '../format.js';
import { useAsync } from '../hooks.js';
import { href, navigate } from '../router.js';
import type { Fact, FactAudit } from '../types.js';

interface FactsView {
  readonly current: Fact[];
  readonly histories: Array<{ subject: string; key: string; versions: Fact[] }>;
  readonly audit: FactAudit;
}

async function loadFacts(userId: string): Promise<FactsView> {
  const [current, audit] = await Promise.all([api.facts(userId), api.factAudit(userId)]);
  const keys = new Map<string, { subject: string; key: string }>();
  for (const fact of current.data) keys.set(`${fact.subject}.${fact.key}`, fact);
  for (const rule of audit.rules) keys.set(`${rule.subject}.${rule.key}`, rule);
  const histories = await Promise.all(
    [...keys.values()].map(async ({ subject, key }) => ({ subject, key, versions: (await api.factHistory(userId, subject, key)).data })),
  );
  histories.sort((a, b) => `${a.subject}.${a.key}`.localeCompare(`${b.subject}.${b.key}`));
  return { current: current.data, histories, audit };
}

/** A user's facts: current values, every version on a valid-time timeline, the rules and their violations. */
export function FactsPage({ user }: { user?: string | undefined }) {
  const view = useAsync(() => (user ? loadFacts(user) : Promise.resolve(undefined)), [user]);
  return (
    <section>
      <PageTitle title="Facts">Facts{user ? ` of ${user}` : ''}</PageTitle>
      <div class="toolbar">
        <UserPicker value={user} onChange={(userId) => navigate(href(['facts'], { user: userId }))} />
      </div>
      {!user ? <Empty>Choose a user to see their facts.</Empty> : (pending(view, 'facts') ?? (view.data && <FactsBody view={view.data} />))}
    </section>
  );
}

function FactsBody({ view }: { view: FactsView }) {
  const violated = new Set(view.audit.violations.map((v) => v.fact.id));
  return (
    <>
      <h2>Current values</h2>
      {view.current.length === 0 ? (
        <Empty>No fact is valid now.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Facts valid now</caption>
            <thead>
              <tr>
                <th scope="col">Fact</th>
                <th scope="col">Value</th>
                <th scope="col">Valid from</th>
                <th scope="col" class="opt">
                  Recorded
                </th>
                <th scope="col" class="opt">
                  Source
                </th>
              </tr>
            </thead>
            <tbody>
              {view.current.map((fact) => (
                <tr key={fact.id}>
                  <th scope="row">
                    {fact.subject}.{fact.key}
                  </th>
                  <td>
                    <code>{formatJson(fact.value)}</code> {violated.has(fact.id) && <span class="badge badge-error">breaks its rule</span>}
                  </td>
                  <td>{formatTime(fact.validFrom)}</td>
                  <td class="opt">{formatTime(fact.recordedAt)}</td>
                  <td class="opt">{fact.source ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Timeline</h2>
      <p class="muted">
        Bars span each version's valid time (from → to, open-ended to now); the tick under a bar marks when Strata recorded it (transaction
        time).
      </p>
      {view.histories.length === 0 ? <Empty>No fact history.</Empty> : <Timeline histories={view.histories} violated={violated} />}
      <h2>Rules</h2>
      {view.audit.rules.length === 0 ? (
        <Empty>No rules on this user's facts.</Empty>
      ) : (
        <ul class="rules">
          {view.audit.rules.map((rule) => (
            <li key={`${rule.subject}.${rule.key}`}>
              <strong>
                {rule.subject}.{rule.key}
              </strong>{' '}
              <code>{JSON.stringify(rule.rule)}</code>
            </li>
          ))}
        </ul>
      )}
      <h2>Recent violations</h2>
      {view.audit.violations.length === 0 ? (
        <Empty>No stored value breaks its rule.</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Stored values that break their rule, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Fact</th>
                <th scope="col">Value</th>
                <th scope="col">Severity</th>
                <th scope="col" class="opt">
                  Expected
                </th>
                <th scope="col">Recorded</th>
              </tr>
            </thead>
            <tbody>
              {view.audit.violations.map((v) => (
                <tr key={v.fact.id}>
                  <th scope="row">
                    {v.fact.subject}.{v.fact.key}
                    {v.current ? ' (current)' : ''}
                  </th>
                  <td>
                    <code>{formatJson(v.fact.value)}</code>
                  </td>
                  <td>
                    <span class={`badge badge-${v.severity}`}>{v.severity}</span>
                  </td>
                  <td class="opt">{v.expected ?? '—'}</td>
                  <td>{formatTime(v.fact.recordedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Timeline({ histories, violated }: { histories: FactsView['histories']; violated: Set<string> }) {
  const now = Date.now();
  const starts = histories.flatMap((h) => h.versions.map((v) => Math.min(v.validFrom, v.recordedAt)));
  const start = Math.min(...starts, now - 86_400_000);
  const span = Math.max(now - start, 1);
  const pct = (t: number) => `${(((Math.min(t, now) - start) / span) * 100).toFixed(2)}%`;
  const width = (from: number, to: number) => `${Math.max(((Math.min(to, now) - from) / span) * 100, 0.8).toFixed(2)}%`;
  return (
    <div class="timeline" data-testid="timeline">
      <div class="timeline-axis" aria-hidden="true">
        <span>{formatDate(start)}</span>
        <span>now</span>
      </div>
      {histories.map((history) => (
        <div class="timeline-row" key={`${history.subject}.${history.key}`}>
          <h3 class="timeline-label">
            {history.subject}.{history.key}
          </h3>
          <div class="timeline-track" aria-hidden="true">
            {history.versions.map((v) => (
              <span
                key={v.id}
                class={`timeline-bar${v.validTo === null ? ' open' : ''}${violated.has(v.id) ? ' violation' : ''}`}
                style={{ left: pct(v.validFrom), width: width(v.validFrom, v.validTo ?? now) }}
                title={`${formatJson(v.value)}: ${formatTime(v.validFrom)} → ${v.validTo === null ? 'now' : formatTime(v.validTo)}`}
              >
                {formatJson(v.value)}
              </span>
            ))}
            {history.versions.map((v) => (
              <span key={`r-${v.id}`} class="timeline-recorded" style={{ left: pct(v.recordedAt) }} />
            ))}
          </div>
          <details>
            <summary>
              {history.versions.length} version{history.versions.length === 1 ? '' : 's'} of {history.subject}.{history.key}
            </summary>
            <table class="compact">
              <thead>
                <tr>
                  <th scope="col">Value</th>
                  <th scope="col">Valid from</th>
                  <th scope="col">Valid to</th>
                  <th scope="col">Recorded</th>
                </tr>
              </thead>
              <tbody>
                {history.versions.map((v) => (
                  <tr key={v.id}>
                    <td>
                      <code>{formatJson(v.value)}</code>
                    </td>
                    <td>{formatTime(v.validFrom)}</td>
                    <td>{v.validTo === null ? 'now' : formatTime(v.validTo)}</td>
                    <td>{formatTime(v.recordedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </div>
      ))}
    </div>
  );
}
