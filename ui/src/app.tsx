import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, apiKey } from './api.js';
import { FactsPage } from './pages/facts.js';
import { HealthPage } from './pages/health.js';
import { MemoriesPage } from './pages/memories.js';
import { PlaygroundPage } from './pages/playground.js';
import { SessionPage } from './pages/session.js';
import { SignIn } from './pages/sign-in.js';
import { UserPage, UsersPage } from './pages/users.js';
import { href, type Route, useRoute } from './router.js';

const NAV = [
  { id: 'users', label: 'Users & sessions' },
  { id: 'memories', label: 'Memories' },
  { id: 'facts', label: 'Facts' },
  { id: 'search', label: 'Search & context' },
  { id: 'health', label: 'Health' },
] as const;

function page(route: Route) {
  const [section = 'users', id] = route.parts;
  const user = route.query.user;
  switch (section) {
    case 'users':
      return id ? <UserPage userId={id} /> : <UsersPage />;
    case 'sessions':
      return id ? <SessionPage sessionId={id} highlight={route.query.highlight?.split(',') ?? []} /> : <UsersPage />;
    case 'memories':
      return <MemoriesPage user={user} kind={route.query.kind} tag={route.query.tag} session={route.query.session} />;
    case 'facts':
      return <FactsPage user={user} />;
    case 'search':
      return <PlaygroundPage user={user} session={route.query.session} />;
    case 'health':
      return <HealthPage />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page <code>{route.parts.join('/')}</code>. <a href="#/users">Go to the users.</a>
          </p>
        </section>
      );
  }
}

/** The memory inspector: sign in with an API key, then browse that key's tenant. */
export function App() {
  const route = useRoute();
  const [tenant, setTenant] = useState<string | null>(null);
  const [checking, setChecking] = useState(apiKey.get() !== null);

  // A key kept from earlier in this tab: check it again (it may have been revoked).
  useEffect(() => {
    if (apiKey.get() === null) return;
    api.stats().then(
      (stats) => {
        setTenant(stats.tenantId);
        setChecking(false);
      },
      (error: unknown) => {
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) apiKey.clear();
        setChecking(false);
      },
    );
  }, []);

  const signOut = () => {
    apiKey.clear();
    setTenant(null);
  };

  const section = route.parts[0] === 'sessions' ? 'users' : (route.parts[0] ?? 'users');
  const user = route.query.user;
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">
            ◧
          </span>
          Strata <span class="muted">memory inspector</span>
        </div>
        {tenant !== null && (
          <div class="who">
            <span>
              tenant <strong data-testid="tenant">{tenant}</strong>
            </span>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {tenant !== null && (
        <nav aria-label="Sections" class="tabs">
          <ul>
            {NAV.map((item) => (
              <li key={item.id}>
                <a href={href([item.id], item.id === 'health' ? {} : { user })} aria-current={section === item.id ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        {checking ? <p class="muted">Checking the saved key…</p> : tenant === null ? <SignIn onSignedIn={setTenant} /> : page(route)}
      </main>
    </>
  );
}
