import { useContext, useState } from 'preact/hooks';
import { api, LIST_CAP } from '../api.js';
import { Meter } from '../components/charts.js';
import { Modal } from '../components/modal.js';
import { PageTitle } from '../components/page-title.js';
import { Empty, ErrorBox, pending } from '../components/status.js';
import { UserPicker } from '../components/user-picker.js';
import { formatTime, plural } from '../format.js';
import { useAsync } from '../hooks.js';
import { MeContext } from '../me.js';
import { href, navigate } from '../router.js';
import type { Memory } from '../types.js';

const KINDS = ['turn', 'summary', 'note', 'fact', 'episode'] as const;

/** A user's memories: kind, tags, importance, model and provenance; edit and forget. */
export function MemoriesPage({
  user,
  kind,
  tag,
  session,
}: {
  user?: string | undefined;
  kind?: string | undefined;
  tag?: string | undefined;
  session?: string | undefined;
}) {
  const go = (next: Record<string, string | undefined>) => navigate(href(['memories'], { user, kind, tag, session, ...next }));
  const memories = useAsync(
    async () => (user ? (await api.memories({ userId: user, kinds: kind, tags: tag, sessionId: session })).reverse() : []),
    [user, kind, tag, session],
  );
  const [editing, setEditing] = useState<Memory | null>(null);
  const [forgetting, setForgetting] = useState<Memory | null>(null);
  const [status, setStatus] = useState('');
  const [tagInput, setTagInput] = useState(tag ?? '');
  const canWrite = useContext(MeContext).scopes.includes('write');

  return (
    <section>
      <PageTitle title="Memories">Memories{user ? ` of ${user}` : ''}</PageTitle>
      <form
        class="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          go({ tag: tagInput.trim() || undefined });
        }}
      >
        <UserPicker value={user} onChange={(userId) => go({ user: userId, session: undefined })} />
        <div class="field">
          <label for="kind-filter">Kind</label>
          <select id="kind-filter" value={kind ?? ''} onChange={(e) => go({ kind: (e.target as HTMLSelectElement).value || undefined })}>
            <option value="">any kind</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tag-filter">Tag</label>
          <input
            id="tag-filter"
            type="search"
            value={tagInput}
            placeholder="press Enter"
            onInput={(e) => setTagInput((e.target as HTMLInputElement).value)}
          />
        </div>
        {session && (
          <p class="chip-row">
            session <code>{session}</code>{' '}
            <button type="button" class="link" onClick={() => go({ session: undefined })}>
              show all sessions
            </button>
          </p>
        )}
      </form>
      <p class="sr-only" aria-live="polite" data-testid="status">
        {status}
      </p>
      {status && <p class="notice">{status}</p>}
      {!canWrite && (
        <p class="muted" data-testid="read-only">
          This key can read only: editing and forgetting need a key with the write scope.
        </p>
      )}
      {!user ? (
        <Empty>Choose a user to see their memories.</Empty>
      ) : (
        (pending(memories, 'memories') ??
        (memories.data?.length === 0 ? (
          <Empty>No memories match.</Empty>
        ) : (
          <>
            <p class="muted">
              {(memories.data?.length ?? 0) >= LIST_CAP
                ? `The oldest ${LIST_CAP} memories, newest of them first: narrow by kind, tag or session to see the others`
                : `${plural(memories.data?.length ?? 0, 'memory', 'memories')}, newest first`}
            </p>
            <ul class="cards" aria-label="Memories">
              {memories.data?.map((memory) => (
                <MemoryCard
                  key={memory.id}
                  memory={memory}
                  {...(canWrite ? { onEdit: () => setEditing(memory), onForget: () => setForgetting(memory) } : {})}
                />
              ))}
            </ul>
          </>
        )))
      )}
      {editing && (
        <EditDialog
          memory={editing}
          onClose={() => setEditing(null)}
          onSaved={(saved) => {
            setEditing(null);
            setStatus(`Saved memory ${saved.id}.`);
            memories.reload();
          }}
        />
      )}
      {forgetting && (
        <ForgetDialog
          memory={forgetting}
          onClose={() => setForgetting(null)}
          onForgotten={() => {
            setForgetting(null);
            setStatus(`Forgot memory ${forgetting.id}.`);
            memories.reload();
          }}
        />
      )}
    </section>
  );
}

function MemoryCard({ memory, onEdit, onForget }: { memory: Memory; onEdit?: () => void; onForget?: () => void }) {
  return (
    <li class="card" data-memory-id={memory.id}>
      <div class="card-head">
        <span class={`kind kind-${memory.kind}`}>{memory.kind}</span>
        <code class="muted id">{memory.id}</code>
      </div>
      <p class="memory-text">{memory.text}</p>
      <dl class="meta">
        <div>
          <dt>Importance</dt>
          <dd>
            <Meter value={memory.importance} max={1} label="importance" /> {memory.importance.toFixed(2)}
          </dd>
        </div>
        <div>
          <dt>Tags</dt>
          <dd>
            {memory.tags.length === 0
              ? '—'
              : memory.tags.map((tag) => (
                  <a key={tag} class="tag" href={href(['memories'], { user: memory.userId, tag })}>
                    {tag}
                  </a>
                ))}
          </dd>
        </div>
        <div>
          <dt>Model</dt>
          <dd>{memory.embeddingModel ?? '—'}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatTime(memory.createdAt)}</dd>
        </div>
        <div class="wide-meta">
          <dt>Provenance</dt>
          <dd>
            {memory.source.length === 0 ? (
              'no source turns'
            ) : memory.sessionId ? (
              <a href={href(['sessions', memory.sessionId], { highlight: memory.source.join(',') })}>
                {plural(memory.source.length, 'source turn')} in {memory.sessionId}
              </a>
            ) : (
              plural(memory.source.length, 'source turn')
            )}
            {memory.supersededBy && <span> · superseded by {memory.supersededBy}</span>}
          </dd>
        </div>
      </dl>
      {onEdit && onForget && (
        <div class="card-actions">
          <button type="button" class="secondary" onClick={onEdit} aria-label={`Edit memory ${memory.id}`}>
            Edit
          </button>
          <button type="button" class="danger" onClick={onForget} aria-label={`Forget memory ${memory.id}`}>
            Forget
          </button>
        </div>
      )}
    </li>
  );
}

function EditDialog({ memory, onClose, onSaved }: { memory: Memory; onClose: () => void; onSaved: (memory: Memory) => void }) {
  const [text, setText] = useState(memory.text);
  const [tags, setTags] = useState(memory.tags.join(', '));
  const [importance, setImportance] = useState(String(memory.importance));
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const patch = {
        ...(text !== memory.text ? { text } : {}),
        tags: tags
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t.length > 0),
        importance: Number(importance),
      };
      onSaved(await api.updateMemory(memory.id, patch));
    } catch (failure) {
      setError(failure as Error);
      setBusy(false);
    }
  };
  return (
    <Modal title="Edit memory" onClose={onClose}>
      <form onSubmit={save} class="stack">
        <label for="edit-text">Text</label>
        <textarea id="edit-text" rows={4} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <label for="edit-tags">Tags (comma-separated)</label>
        <input id="edit-tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
        <label for="edit-importance">Importance (0 to 1)</label>
        <input
          id="edit-importance"
          type="number"
          min={0}
          max={1}
          step={0.05}
          value={importance}
          onInput={(e) => setImportance((e.target as HTMLInputElement).value)}
        />
        {error && <ErrorBox error={error} />}
        <div class="card-actions">
          <button type="button" class="secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}

function ForgetDialog({ memory, onClose, onForgotten }: { memory: Memory; onClose: () => void; onForgotten: () => void }) {
  const [error, setError] = useState<Error | null>(null);
  const forget = async () => {
    try {
      await api.forget(memory.id);
      onForgotten();
    } catch (failure) {
      setError(failure as Error);
    }
  };
  return (
    <Modal title="Forget this memory?" onClose={onClose}>
      <p>It is deleted from the table and every index; this cannot be undone.</p>
      <blockquote>{memory.text}</blockquote>
      {error && <ErrorBox error={error} />}
      <div class="card-actions">
        <button type="button" class="secondary" onClick={onClose}>
          Keep it
        </button>
        <button type="button" class="danger" onClick={forget}>
          Forget
        </button>
      </div>
    </Modal>
  );
}
