import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorBox({ error }: { error: Error }) {
  const code = error instanceof ApiError ? error.code : 'ERROR';
  return (
    <div class="error" role="alert">
      <strong>{code}</strong> {error.message}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** What an async view shows while loading or after a failure; null when the data is there. */
export function pending(state: { loading: boolean; error: Error | undefined; data: unknown }, what: string) {
  if (state.error) return <ErrorBox error={state.error} />;
  if (state.data === undefined) return <Loading what={what} />;
  return null;
}
