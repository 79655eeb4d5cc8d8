import { useEffect } from 'preact/hooks';
import { api, LIST_CAP } from '../api.js';
import { PageTitle } from '../components/page-title.js';
import { Empty, pending } from '../components/status.js';
import { formatTime, plural } from '../format.js';
import { useAsync } from '../hooks.js';
import { href } from '../router.js';
import { Consolidation } from './users.js';

/** One session: its summary, consolidation state and every turn; `highlight` marks the source turns of a memory. */
export function SessionPage({ sessionId, highlight }: { sessionId: string; highlight: string[] }) {
  const data = useAsync(async () => {
    const [session, messages] = await Promise.all([api.session(sessionId), api.messages(sessionId)]);
    return { session, messages };
  }, [sessionId]);
  const marked = new Set(highlight);

  useEffect(() => {
    if (data.data && highlight[0]) document.getElementById(`turn-${highlight[0]}`)?.scrollIntoView({ block: 'center' });
  }, [data.data, highlight[0]]);

  const state = pending(data, 'the session');
  if (state || !data.data) {
    return (
      <section>
        <PageTitle title={`Session ${sessionId}`}>Session {sessionId}</PageTitle>
        {state}
      </section>
    );
  }
  const { session, messages } = data.data;
  const consolidated = session.summarizedUpToSeq;
  return (
    <section>
      <p class="crumbs">
        <a href="#/users">Users</a> / <a href={href(['users', session.userId])}>{session.userId}</a> / {session.id}
      </p>
      <PageTitle title={`Session ${session.id}`}>Session {session.id}</PageTitle>
      <dl class="facts-grid">
        <div>
          <dt>User</dt>
          <dd>
            <a href={href(['users', session.userId])}>{session.userId}</a>
          </dd>
        </div>
        {session.agentId && (
          <div>
            <dt>Agent</dt>
            <dd>{session.agentId}</dd>
          </div>
        )}
        <div>
          <dt>Created</dt>
          <dd>{formatTime(session.createdAt)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatTime(session.updatedAt)}</dd>
        </div>
        <div>
          <dt>Consolidation</dt>
          <dd data-testid="consolidation">
            <Consolidation upTo={consolidated} last={session.lastSeq} /> through turn {consolidated} of {session.lastSeq}
          </dd>
        </div>
      </dl>
      <progress class="wide" max={Math.max(session.lastSeq, 1)} value={consolidated} aria-label="Turns consolidated" />
      <ul class="actions">
        <li>
          <a href={href(['memories'], { user: session.userId, session: session.id })}>Memories from this session</a>
        </li>
        <li>
          <a href={href(['search'], { user: session.userId, session: session.id })}>Search &amp; context for this session</a>
        </li>
      </ul>
      <h2>Summary</h2>
      {session.summary ? (
        <p class="summary">{session.summary}</p>
      ) : (
        <Empty>No summary yet: consolidation has not run on this session.</Empty>
      )}
      <h2>Turns ({messages.length < LIST_CAP ? messages.length : `the first ${LIST_CAP} of ${session.lastSeq}`})</h2>
      {messages.length === 0 ? (
        <Empty>No turns.</Empty>
      ) : (
        <ol class="turns">
          {messages.map((message) => (
            <li
              key={message.id}
              id={`turn-${message.id}`}
              class={`turn turn-${message.role}${marked.has(message.id) ? ' marked' : ''}${message.seq <= consolidated ? ' consolidated' : ''}`}
            >
              <div class="turn-head">
                <span class="role">{message.name ?? message.role}</span>
                <span class="muted">
                  #{message.seq} · {formatTime(message.createdAt)} · {plural(message.tokenCount, 'token')}
                  {marked.has(message.id) ? ' · source of the memory' : ''}
                </span>
              </div>
              <p>{message.content}</p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
