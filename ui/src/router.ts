import { useEffect, useState } from 'preact/hooks';

/** A hash route: `#/sessions/s1?user=ada` -> { parts: ['sessions', 's1'], query: { user: 'ada' } }. */
export interface Route {
  readonly parts: string[];
  readonly query: Record<string, string>;
}

export function parseHash(hash: string): Route {
  if (!hash.startsWith('#/')) return { parts: [], query: {} };
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  const parts = path
    .split('/')
    .filter((part) => part.length > 0)
    .map(decodeURIComponent);
  return { parts, query: Object.fromEntries(new URLSearchParams(search)) };
}

/** `href('sessions', id)` with an optional query (empty values left out). */
export function href(parts: string[], query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const search = params.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
}

export function navigate(to: string): void {
  window.location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    // Only `#/...` is a route: `#main` (the skip link) moves focus and leaves the page as it is.
    const changed = () => {
      if (window.location.hash === '' || window.location.hash.startsWith('#/')) setRoute(parseHash(window.location.hash));
    };
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
