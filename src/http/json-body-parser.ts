import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { StrataError } from '../errors/strata-error.js';

/** Deepest nesting a request body may have: deeper JSON is refused before anything walks it recursively. */
export const MAX_JSON_DEPTH = 32;

/**
 * Replaces every body parser with one for application/json: prototype-poisoning keys are
 * refused (secure-json-parse), nesting is capped, and any other media type is 415.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    let value: unknown;
    try {
      value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      done(new StrataError('INVALID_INPUT', 'the request body is not valid JSON', { details: { field: 'body' } }), undefined);
      return;
    }
    if (depthExceeds(value, MAX_JSON_DEPTH)) {
      done(
        new StrataError('INVALID_INPUT', `the request body is nested deeper than ${MAX_JSON_DEPTH} levels`, {
          details: { field: 'body', limit: MAX_JSON_DEPTH },
        }),
        undefined,
      );
      return;
    }
    done(null, value);
  });
}

/** Whether any value sits deeper than `limit` arrays/objects (iterative: no recursion on hostile input). */
export function depthExceeds(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) stack.push([child, depth + 1]);
  }
  return false;
}
