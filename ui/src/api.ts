import type { Fact, FactAudit, Memory, Message, Page, Readiness, Session, TenantStats, UserSummary, Whoami } from './types.js';

const KEY = 'strata.apiKey';

/** A refused request: the problem+json body's detail and code, or what went wrong on the way. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The API key lives in sessionStorage: gone when the tab closes, never in a URL or a cookie. */
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string): void => sessionStorage.setItem(KEY, key),
  clear: (): void => sessionStorage.removeItem(KEY),
};

let onUnauthorized: (problem: ApiError) => void = () => {};

/** Called when the saved key is refused (401: revoked or unknown): the app signs out and says why. */
export function whenUnauthorized(handler: (problem: ApiError) => void): void {
  onUnauthorized = handler;
}

type Query = Record<string, string | number | undefined>;

function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function request<T>(method: string, path: string, options: { query?: Query; body?: unknown; key?: string } = {}): Promise<T> {
  const key = options.key ?? apiKey.get();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(url(path, options.query), {
      method,
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `the server did not answer (${(error as Error).message})`);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok && !(path === '/ready' && response.status === 503)) {
    const problem = (body ?? {}) as { code?: string; detail?: string; title?: string };
    const error = new ApiError(
      response.status,
      problem.code ?? `HTTP_${response.status}`,
      problem.detail ?? problem.title ?? response.statusText,
    );
    if (response.status === 401 && options.key === undefined) {
      apiKey.clear();
      onUnauthorized(error);
    }
    throw error;
  }
  return body as T;
}

/** The most records a list loads (pages of 500); a page says when it stopped there. */
export const LIST_CAP = 5000;

/** Every page of a cursor-paged list, up to `max` records. */
async function allPages<T>(path: string, query: Query, max: number): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await request<Page<T>>('GET', path, { query: { ...query, limit: 500, cursor } });
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < max);
  return out;
}

export const api = {
  whoami: (key?: string) => request<Whoami>('GET', '/v1/whoami', key === undefined ? {} : { key }),
  stats: () => request<TenantStats>('GET', '/v1/stats'),
  ready: () => request<Readiness>('GET', '/ready'),
  users: () => request<{ data: UserSummary[]; partial: boolean }>('GET', '/v1/users'),
  sessions: (userId?: string) => allPages<Session>('/v1/sessions', { userId }, LIST_CAP),
  session: (id: string) => request<Session>('GET', `/v1/sessions/${encodeURIComponent(id)}`),
  messages: (id: string) => allPages<Message>(`/v1/sessions/${encodeURIComponent(id)}/messages`, {}, LIST_CAP),
  memories: (query: { userId?: string; kinds?: string; tags?: string; sessionId?: string }) =>
    allPages<Memory>('/v1/memories', query, LIST_CAP),
  memory: (id: string) => request<Memory>('GET', `/v1/memories/${encodeURIComponent(id)}`),
  updateMemory: (id: string, patch: { text?: string; tags?: string[]; importance?: number }) =>
    request<Memory>('PATCH', `/v1/memories/${encodeURIComponent(id)}`, { body: patch }),
  forget: (id: string) => request<void>('DELETE', `/v1/memories/${encodeURIComponent(id)}`),
  facts: (userId: string) => request<{ data: Fact[] }>('GET', '/v1/facts', { query: { userId } }),
  factHistory: (userId: string, subject: string, key: string) =>
    request<{ data: Fact[] }>('GET', '/v1/facts/history', { query: { userId, subject, key } }),
  factAudit: (userId: string) => request<FactAudit>('GET', '/v1/facts/audit', { query: { userId } }),
  search: (body: Record<string, unknown>) => request<import('./types.js').SearchResponse>('POST', '/v1/search', { body }),
  context: (sessionId: string, body: Record<string, unknown>) =>
    request<import('./types.js').ContextResponse>('POST', `/v1/sessions/${encodeURIComponent(sessionId)}/context`, { body }),
};
