import { setImmediate as nextTurn } from 'node:timers/promises';

/** One job's outcome inside a group: its value, or the error that rolled its savepoint back. */
export type Settled<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Waiting<J, R> {
  readonly job: J;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: the jobs submitted within one turn of the event loop (a server's concurrent
 * requests, whose socket reads arrive in the same poll phase) run together, in submission
 * order, through one `run` call: one SQLite transaction, each job in its own savepoint. A
 * commit (the WAL frames of every page the transaction dirtied) costs about as much as the
 * writes in it, and concurrent appends dirty the same pages (the tables' last leaves, the
 * indexes' newest entries): writing them once for several jobs is most of the saving.
 * A job waits one turn at most; `run` settles each job on its own (a bad one fails alone), and
 * a failure of `run` itself (the commit) fails every job of the group.
 */
export class GroupCommit<J, R> {
  private waiting: Array<Waiting<J, R>> = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly run: (jobs: readonly J[]) => Promise<Array<Settled<R>>>) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject });
      if (this.waiting.length === 1) void nextTurn().then(() => this.flush());
    });
  }

  /** Runs the waiting jobs now (close calls it); resolves when every group begun so far has settled. */
  async flush(): Promise<void> {
    const group = this.waiting;
    if (group.length > 0) {
      this.waiting = [];
      const previous = this.flushing;
      const current = this.settle(group);
      this.flushing = current;
      await current;
      if (this.flushing === current) this.flushing = null;
      await previous;
      return;
    }
    await this.flushing;
  }

  private async settle(group: ReadonlyArray<Waiting<J, R>>): Promise<void> {
    let outcomes: Array<Settled<R>>;
    try {
      outcomes = await this.run(group.map((waiting) => waiting.job));
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    group.forEach((waiting, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) waiting.reject(new Error('group commit: no outcome for a job'));
      else if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
