import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { PageTitle } from '../components/page-title.js';
import { RowLink } from '../components/row-link.js';
import { Empty, pending } from '../components/status.js';
import { formatTime, plural } from '../format.js';
import { useAsync } from '../hooks.js';
import { href } from '../router.js';

/** The tenant's users with their counts; a filter narrows them by id. */
export function UsersPage() {
  const users = useAsync(() => api.users(), []);
  const [filter, setFilter] = useState('');
  const shown = users.data?.data.filter((user) => user.userId.toLowerCase().includes(filter.trim().toLowerCase())) ?? [];
  return (
    <section>
      <PageTitle title="Users">Users</PageTitle>
      <div class="toolbar">
        <div class="field">
          <label for="user-filter">Filter users</label>
          <input
            id="user-filter"
            type="search"
            value={filter}
            placeholder="user id contains…"
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </div>
        {users.data && (
          <p class="muted" aria-live="polite">
            {shown.length} of {plural(users.data.data.length, 'user')}
            {users.data.partial ? ' (partial: the scan stopped at its limit)' : ''}
          </p>
        )}
      </div>
      {pending(users, 'users') ??
        (shown.length === 0 ? (
          <Empty>{filter ? 'No user matches the filter.' : 'This tenant has no users yet.'}</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Users of this tenant</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col" class="num">
                    Sessions
                  </th>
                  <th scope="col" class="num">
                    Memories
                  </th>
                  <th scope="col" class="num opt">
                    Facts
                  </th>
                  <th scope="col" class="opt">
                    Last activity
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((user) => (
                  <RowLink key={user.userId} to={href(['users', user.userId])} label={user.userId}>
                    <td class="num">{user.sessions}</td>
                    <td class="num">{user.memories}</td>
                    <td class="num opt">{user.facts}</td>
                    <td class="opt">{formatTime(user.lastActivityAt)}</td>
                  </RowLink>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}

/** One user: their sessions (filterable), and where to look next. */
export function UserPage({ userId }: { userId: string }) {
  const sessions = useAsync(() => api.sessions(userId), [userId]);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = sessions.data?.filter((s) => s.id.toLowerCase().includes(needle) || (s.summary ?? '').toLowerCase().includes(needle)) ?? [];
  return (
    <section>
      <p class="crumbs">
        <a href="#/users">Users</a> / {userId}
      </p>
      <PageTitle title={`User ${userId}`}>User {userId}</PageTitle>
      <ul class="actions">
        <li>
          <a href={href(['memories'], { user: userId })}>Memories</a>
        </li>
        <li>
          <a href={href(['facts'], { user: userId })}>Facts</a>
        </li>
        <li>
          <a href={href(['search'], { user: userId })}>Search &amp; context</a>
        </li>
      </ul>
      <h2>Sessions</h2>
      <div class="toolbar">
        <div class="field">
          <label for="session-filter">Filter sessions</label>
          <input
            id="session-filter"
            type="search"
            value={filter}
            placeholder="id or summary contains…"
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        </div>
      </div>
      {pending(sessions, 'sessions') ??
        (shown.length === 0 ? (
          <Empty>{filter ? 'No session matches the filter.' : 'No sessions for this user.'}</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">Sessions of {userId}</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col" class="num">
                    Turns
                  </th>
                  <th scope="col">Consolidated</th>
                  <th scope="col" class="opt">
                    Updated
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((s) => (
                  <RowLink key={s.id} to={href(['sessions', s.id])} label={s.id}>
                    <td class="num">{s.lastSeq}</td>
                    <td>
                      <Consolidation upTo={s.summarizedUpToSeq} last={s.lastSeq} />
                    </td>
                    <td class="opt">{formatTime(s.updatedAt)}</td>
                  </RowLink>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}

/** How far consolidation got: turns up to `upTo` of `last` are summarised and promoted. */
export function Consolidation({ upTo, last }: { upTo: number; last: number }) {
  const pendingTurns = Math.max(0, last - upTo);
  const state = last === 0 ? 'empty' : pendingTurns === 0 ? 'done' : upTo === 0 ? 'not yet' : 'partly';
  return (
    <span class={`badge badge-${state.replace(' ', '-')}`}>
      {state === 'empty' ? 'no turns' : state === 'done' ? 'up to date' : `${pendingTurns} pending`}
      <span class="sr-only">
        {' '}
        (consolidated through turn {upTo} of {last})
      </span>
    </span>
  );
}
