import type { Page } from './client-types.js';

/**
 * Every record of a paged listing, fetching the next page only when the previous one is
 * consumed: `for await (const message of paginate((cursor) => client.listMessages(id, { cursor })))`.
 * Starts at `cursor` (default the first page) and ends on the page whose nextCursor is null.
 */
export async function* paginate<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>, cursor?: string): AsyncGenerator<T, void> {
  let next: string | undefined = cursor;
  do {
    const page = await fetchPage(next);
    yield* page.data;
    next = page.nextCursor ?? undefined;
  } while (next !== undefined);
}
