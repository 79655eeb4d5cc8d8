import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { StrataError } from '../../errors/strata-error.js';

export const UI_PREFIX = '/ui';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Only the bundle's own files: no inline script, no other origin. The app calls the API on the
 * same origin (connect-src 'self'); charts are inline SVG.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where `npm run build` puts the UI bundle (dist/ui), seen from src/ (tsx) or dist/ (built). */
export function defaultUiDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', '..', 'ui'), join(here, '..', '..', '..', 'dist', 'ui')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
  /** Vite's hashed assets never change under their name. */
  readonly immutable: boolean;
}

/** Every file of the bundle, read once: requests can only name these (no path from the URL reaches the disk). */
function loadBundle(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = relative(dir, path).split(sep).join('/');
        const type = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
        files.set(url, { body: readFileSync(path), type, immutable: url.startsWith('assets/') });
      }
    }
  };
  walk(dir);
  return files;
}

function send(reply: FastifyReply, file: StaticFile): FastifyReply {
  return reply
    .header('content-type', file.type)
    .header('content-security-policy', UI_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
    .send(file.body);
}

/**
 * The memory inspector at /ui: the prebuilt bundle (ui/ built by Vite into dist/ui). The files
 * are public; every piece of data comes from the /v1 API with the API key the user signs in
 * with. Without a bundle /ui answers 404 with how to build it.
 */
export function uiRoutes(dir: string | null): FastifyPluginAsync {
  return async (app) => {
    const files = dir !== null && existsSync(join(dir, 'index.html')) ? loadBundle(dir) : new Map<string, StaticFile>();
    const config = { scope: 'public' as const, rateLimit: false as const };
    const index = (): StaticFile => {
      const file = files.get('index.html');
      if (!file)
        throw new StrataError('ROUTE_NOT_FOUND', 'the memory inspector is not built: run `npm run build` (it builds ui/ into dist/ui)');
      return file;
    };
    app.get(UI_PREFIX, { config, schema: { hide: true } }, async (_request, reply) => reply.redirect(`${UI_PREFIX}/`));
    app.get(`${UI_PREFIX}/`, { config, schema: { hide: true } }, async (_request, reply) => send(reply, index()));
    app.get<{ Params: { '*': string } }>(`${UI_PREFIX}/*`, { config, schema: { hide: true } }, async (request, reply) => {
      const path = request.params['*'];
      const file = files.get(path);
      if (file) return send(reply, file);
      // Unknown assets are 404s; any other path is a page of the app (it routes on the hash, so this is rare).
      if (path.startsWith('assets/') || extname(path) !== '') {
        throw new StrataError('ROUTE_NOT_FOUND', `no file ${UI_PREFIX}/${path} in the memory inspector`);
      }
      return send(reply, index());
    });
  };
}
