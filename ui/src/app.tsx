import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, apiKey, whenUnauthorized } from './api.js';
import { MeContext } from './me.js';
import { FactsPage } from './pages/facts.js';
import { HealthPage } from './pages/health.js';
import { MemoriesPage } from './pages/memories.js';
import { PlaygroundPage } from './pages/playground.js';
import { SessionPage } from './pages/session.js';
import { SignIn } from './pages/sign-in.js';
import { UserPage, UsersPage } from './pages/users.js';
import { href, type Route, useRoute } from './router.js';
import type { Whoami } from './types.js';

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
  const [me, setMe] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(apiKey.get() !== null);
  const [signedOutWhy, setSignedOutWhy] = useState<string | null>(null);

  // A key refused later (revoked meanwhile): back to the sign-in, saying why.
  useEffect(() => {
    whenUnauthorized((problem) => {
      setMe(null);
      setSignedOutWhy(`You were signed out: the server no longer accepts this key (${problem.message}).`);
    });
  }, []);

  // A key kept from earlier in this tab: check it again (it may have been revoked).
  useEffect(() => {
    if (apiKey.get() === null) return;
    api.whoami().then(
      (who) => {
        setMe(who);
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
    setMe(null);
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
        {me !== null && (
          <div class="who">
            <span>
              tenant <strong data-testid="tenant">{me.tenantId}</strong> <span class="muted">({me.scopes.join(', ')})</span>
            </span>
            <button type="button" class="secondary" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      {me !== null && (
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
        {checking ? (
          <p class="muted">Checking the saved key…</p>
        ) : me === null ? (
          <SignIn
            notice={signedOutWhy}
            onSignedIn={(who) => {
              setSignedOutWhy(null);
              setMe(who);
            }}
          />
        ) : (
          <MeContext.Provider value={me}>{page(route)}</MeContext.Provider>
        )}
      </main>
    </>
  );
}
