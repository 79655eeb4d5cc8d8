import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The memory inspector: built into dist/ui and served by `strata serve` at /ui (src/http/routes/ui-routes.ts).
 * Everything is bundled (no CDN); the output has no inline script, so the server's CSP can be `script-src 'self'`.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev:ui`: hot reload, the API proxied to a running `strata serve` (STRATA_URL, default :7411).
  server: {
    proxy: Object.fromEntries(['/v1', '/ready'].map((path) => [path, process.env.STRATA_URL ?? 'http://127.0.0.1:7411'])),
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline <script> for the module preload polyfill (the CSP forbids inline script).
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
