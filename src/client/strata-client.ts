import type {
  AddMessagesResponse,
  ApiKey,
  ContextOptions,
  ContextResponse,
  CreatedKey,
  CreateKeyInput,
  CreateSessionInput,
  EraseCounts,
  Fact,
  FactAudit,
  FactAuditQuery,
  FactQuery,
  FactRule,
  GetFactsOptions,
  Health,
  JsonValue,
  ListMemoriesOptions,
  ListMessagesOptions,
  ListSessionsOptions,
  Memory,
  Message,
  MessageInput,
  Page,
  Readiness,
  RememberInput,
  RememberResponse,
  SearchOptions,
  SearchResponse,
  Session,
  SetFactInput,
  SetFactResponse,
  SetFactRuleResponse,
  TenantStats,
  UpdateMemoryInput,
  UserList,
  ValidationResult,
  Whoami,
} from './client-types.js';
import { type CallOptions, HttpTransport, type RequestSpec, type TransportOptions } from './http-transport.js';
import { paginate } from './paginate.js';

export type StrataClientOptions = TransportOptions;

const segment = encodeURIComponent;

/**
 * A typed client of the Strata HTTP API (fetch, Node 20+; no runtime dependency). One method
 * per route, named as in the library (`addMessages`, `getContext`, `search`, `remember`, ...);
 * the tenant is the API key's. Failures throw StrataClientError. Reads, PUT, DELETE and writes
 * that are safe to repeat (messages that all have a clientMsgId, a session with an explicit id)
 * are retried on network errors, timeouts, 429 and 502/503/504; other writes are sent once.
 *
 * ```ts
 * const strata = new StrataClient({ baseUrl: 'http://127.0.0.1:7411', apiKey: process.env.STRATA_KEY });
 * await strata.addMessages('chat-42', [{ role: 'user', content: 'hi', clientMsgId: 'm1' }]);
 * const { text } = await strata.getContext('chat-42', { query: 'book a dinner', tokenBudget: 1500 });
 * ```
 */
export class StrataClient {
  private readonly http: HttpTransport;

  constructor(options: StrataClientOptions) {
    this.http = new HttpTransport(options);
  }

  // -- health --------------------------------------------------------------------------

  /** Liveness: the process answers. */
  health(call?: CallOptions): Promise<Health> {
    return this.send({ method: 'GET', path: '/health', idempotent: true }, call);
  }

  /** Readiness of each tier; a not-ready server (503) is an answer here, not an error. */
  ready(call?: CallOptions): Promise<Readiness> {
    return this.send({ method: 'GET', path: '/ready', idempotent: true, answerStatuses: [503] }, call);
  }

  // -- sessions and messages ---------------------------------------------------------------

  /** Creates a session, or returns it when it exists with the same scope (retried only with an explicit id). */
  createSession(input: CreateSessionInput, call?: CallOptions): Promise<Session> {
    return this.send({ method: 'POST', path: '/v1/sessions', body: input, idempotent: input.id !== undefined }, call);
  }

  getSession(sessionId: string, call?: CallOptions): Promise<Session> {
    return this.send({ method: 'GET', path: `/v1/sessions/${segment(sessionId)}`, idempotent: true }, call);
  }

  listSessions(options: ListSessionsOptions = {}, call?: CallOptions): Promise<Page<Session>> {
    return this.send({ method: 'GET', path: '/v1/sessions', query: { ...options }, idempotent: true }, call);
  }

  /** Every session (of `userId`, when given), page by page. */
  iterateSessions(options: Omit<ListSessionsOptions, 'cursor'> = {}, call?: CallOptions): AsyncGenerator<Session, void> {
    return paginate((cursor) => this.listSessions({ ...options, cursor }, call));
  }

  /**
   * Appends messages (1-1000). Retried only when every message has a clientMsgId: the server
   * stores each clientMsgId once, so a repeat answers the first write (`created: false`).
   */
  addMessages(sessionId: string, messages: readonly MessageInput[], call?: CallOptions): Promise<AddMessagesResponse> {
    return this.send(
      {
        method: 'POST',
        path: `/v1/sessions/${segment(sessionId)}/messages`,
        body: { messages },
        idempotent: messages.length > 0 && messages.every((message) => message.clientMsgId !== undefined),
      },
      call,
    );
  }

  listMessages(sessionId: string, options: ListMessagesOptions = {}, call?: CallOptions): Promise<Page<Message>> {
    return this.send({ method: 'GET', path: `/v1/sessions/${segment(sessionId)}/messages`, query: { ...options }, idempotent: true }, call);
  }

  /** Every message of a session in order, fetching `limit` per page: `for await (const m of client.iterateMessages(id))`. */
  iterateMessages(sessionId: string, options: Omit<ListMessagesOptions, 'cursor'> = {}, call?: CallOptions): AsyncGenerator<Message, void> {
    return paginate((cursor) => this.listMessages(sessionId, { ...options, cursor }, call));
  }

  // -- retrieval ---------------------------------------------------------------------------

  /** The packed context for the next model call (a read: retried). */
  getContext(sessionId: string, options: ContextOptions = {}, call?: CallOptions): Promise<ContextResponse> {
    return this.send({ method: 'POST', path: `/v1/sessions/${segment(sessionId)}/context`, body: options, idempotent: true }, call);
  }

  /** Hybrid search with a score breakdown per result (a read: retried). */
  search(query: string, options: SearchOptions = {}, call?: CallOptions): Promise<SearchResponse> {
    return this.send({ method: 'POST', path: '/v1/search', body: { ...options, query }, idempotent: true }, call);
  }

  // -- memories ----------------------------------------------------------------------------

  /** Stores a memory; the same text in the same scope answers the stored one (`created: false`). Sent once. */
  remember(input: RememberInput, call?: CallOptions): Promise<RememberResponse> {
    return this.send({ method: 'POST', path: '/v1/memories', body: input, idempotent: false }, call);
  }

  getMemory(memoryId: string, call?: CallOptions): Promise<Memory> {
    return this.send({ method: 'GET', path: `/v1/memories/${segment(memoryId)}`, idempotent: true }, call);
  }

  listMemories(options: ListMemoriesOptions = {}, call?: CallOptions): Promise<Page<Memory>> {
    return this.send({ method: 'GET', path: '/v1/memories', query: { ...options }, idempotent: true }, call);
  }

  iterateMemories(options: Omit<ListMemoriesOptions, 'cursor'> = {}, call?: CallOptions): AsyncGenerator<Memory, void> {
    return paginate((cursor) => this.listMemories({ ...options, cursor }, call));
  }

  /** Changes text (re-embedded), tags, importance or metadata. PATCH: sent once. */
  updateMemory(memoryId: string, patch: UpdateMemoryInput, call?: CallOptions): Promise<Memory> {
    return this.send({ method: 'PATCH', path: `/v1/memories/${segment(memoryId)}`, body: patch, idempotent: false }, call);
  }

  /**
   * Deletes a memory. Retried (DELETE); when a lost answer hid the first delete, the retry
   * reports MEMORY_NOT_FOUND.
   */
  async forget(memoryId: string, call?: CallOptions): Promise<void> {
    await this.send<undefined>({ method: 'DELETE', path: `/v1/memories/${segment(memoryId)}`, idempotent: true }, call);
  }

  // -- facts -------------------------------------------------------------------------------

  /** Sets subject.key = value from validFrom on (sent once: a repeat after another writer's change would undo it). */
  setFact(input: SetFactInput, call?: CallOptions): Promise<SetFactResponse> {
    return this.send({ method: 'POST', path: '/v1/facts', body: input, idempotent: false }, call);
  }

  /** The facts valid at `asOf` (default now). */
  async getFacts(options: GetFactsOptions, call?: CallOptions): Promise<Fact[]> {
    const page = await this.send<{ data: Fact[] }>({ method: 'GET', path: '/v1/facts', query: { ...options }, idempotent: true }, call);
    return page.data;
  }

  /** Every version of subject.key, oldest first. */
  async factHistory(query: FactQuery, call?: CallOptions): Promise<Fact[]> {
    const page = await this.send<{ data: Fact[] }>(
      { method: 'GET', path: '/v1/facts/history', query: { ...query }, idempotent: true },
      call,
    );
    return page.data;
  }

  /** Sets the validation rule of subject.key (PUT: retried). */
  setFactRule(query: FactQuery, rule: FactRule, call?: CallOptions): Promise<SetFactRuleResponse> {
    return this.send({ method: 'PUT', path: '/v1/facts/rule', body: { ...query, rule }, idempotent: true }, call);
  }

  /** Checks a value against the rule of subject.key; stores nothing (retried). */
  validate(query: FactQuery, value: JsonValue, call?: CallOptions): Promise<ValidationResult> {
    return this.send({ method: 'POST', path: '/v1/facts/validate', body: { ...query, value }, idempotent: true }, call);
  }

  /** A user's fact rules and the stored versions that break them (newest recorded first). */
  factAudit(query: FactAuditQuery, call?: CallOptions): Promise<FactAudit> {
    return this.send({ method: 'GET', path: '/v1/facts/audit', query: { ...query }, idempotent: true }, call);
  }

  // -- inspector views ---------------------------------------------------------------------

  /** The API key's tenant, id and scopes. */
  whoami(call?: CallOptions): Promise<Whoami> {
    return this.send({ method: 'GET', path: '/v1/whoami', idempotent: true }, call);
  }

  /** The tenant's users, from its sessions and memories, with their counts. */
  listUsers(call?: CallOptions): Promise<UserList> {
    return this.send({ method: 'GET', path: '/v1/users', idempotent: true }, call);
  }

  /** The tenant's record counts and the process's recent latency and cache hit rates. */
  stats(call?: CallOptions): Promise<TenantStats> {
    return this.send({ method: 'GET', path: '/v1/stats', idempotent: true }, call);
  }

  // -- admin (the `admin` scope) -----------------------------------------------------------------

  /** Erases a user everywhere in the key's tenant; answers what was erased (0s when repeated). */
  forgetUser(userId: string, call?: CallOptions): Promise<EraseCounts> {
    return this.send({ method: 'DELETE', path: `/v1/users/${segment(userId)}`, idempotent: true }, call);
  }

  /** Creates an API key in the caller's tenant; `key` is in this answer only. Sent once. */
  createKey(input: CreateKeyInput, call?: CallOptions): Promise<CreatedKey> {
    return this.send({ method: 'POST', path: '/v1/keys', body: input, idempotent: false }, call);
  }

  /** The tenant's active keys (never their secrets). */
  async listKeys(call?: CallOptions): Promise<ApiKey[]> {
    return (await this.send<{ data: ApiKey[] }>({ method: 'GET', path: '/v1/keys', idempotent: true }, call)).data;
  }

  /** Revokes a key of the caller's tenant (effective on the server's next request). */
  revokeKey(keyId: string, call?: CallOptions): Promise<ApiKey> {
    return this.send({ method: 'DELETE', path: `/v1/keys/${segment(keyId)}`, idempotent: true }, call);
  }

  private send<T>(spec: RequestSpec, call: CallOptions | undefined): Promise<T> {
    return this.http.request<T>(spec, call);
  }
}
