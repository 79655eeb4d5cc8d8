import { useState } from 'preact/hooks';
import { ApiError, api, apiKey } from '../api.js';
import type { Whoami } from '../types.js';

/** Sign in with an API key (strata_...): checked against the server, then kept in sessionStorage for this tab. */
export function SignIn({ onSignedIn, notice = null }: { onSignedIn: (me: Whoami) => void; notice?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const token = key.trim();
    if (!token) {
      setError('Enter an API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const me = await api.whoami(token);
      apiKey.set(token);
      onSignedIn(me);
    } catch (failure) {
      const problem = failure instanceof ApiError ? failure : null;
      setError(
        problem?.status === 401
          ? `That API key was not accepted: ${problem.message}.`
          : problem?.status === 403
            ? `That key cannot read: ${problem.message}.`
            : `Sign-in failed: ${(failure as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="sign-in">
      <h1>Sign in</h1>
      {notice && (
        <p class="error" role="alert" data-testid="signed-out">
          {notice}
        </p>
      )}
      <p>
        Use an API key of the tenant you want to inspect. The key stays in this browser tab (session storage) and is sent only to this
        server.
      </p>
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="strata_…"
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
          aria-invalid={error !== null}
          aria-describedby={error ? 'sign-in-error' : undefined}
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {error && (
          <p id="sign-in-error" class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
