import cluster from 'node:cluster';
import type { Command } from 'commander';
import type { StrataServer } from '../../config/create-server.js';
import { redactUrl } from '../../config/doctor/tier-report.js';
import { loadSettings, SettingsError } from '../../config/load-settings.js';
import type { ServerSettings, SettingsLayer } from '../../config/settings.js';
import type { GlobalOptions } from '../cli-context.js';

interface ServeOptions {
  port?: string;
  host?: string;
  config?: string;
  auth: boolean;
  workers?: string;
  redisUrl?: string;
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description('run the HTTP API on the embedded default (loopback unless --host says otherwise)')
    .option('--port <n>', 'port (env STRATA_PORT, default 7411; 0 picks a free one)')
    .option('--host <host>', 'address to bind (env STRATA_HOST, default 127.0.0.1)')
    .option('--config <file>', 'JSON settings file (env STRATA_CONFIG); flags > env > file > defaults')
    .option('--redis-url <url>', 'Redis in front of the store: caches, windows, scratchpads (env REDIS_URL / STRATA_REDIS_URL)')
    .option('--no-auth', 'no API keys: tenant "default" with every scope; binds to loopback only')
    .option('--workers <n>', 'server processes sharing the port and the data directory (env STRATA_WORKERS, default 1)')
    .action(async (opts: ServeOptions, command: Command) => {
      const global = program.opts<GlobalOptions>();
      const flags: SettingsLayer = {
        ...(opts.port === undefined ? {} : { port: /^\d{1,5}$/.test(opts.port) ? Number(opts.port) : (opts.port as unknown as number) }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
        ...(global.data === undefined ? {} : { data: global.data }),
        ...(command.getOptionValueSource('auth') === 'cli' ? { auth: opts.auth } : {}),
        ...(opts.workers === undefined
          ? {}
          : { workers: /^\d{1,3}$/.test(opts.workers) ? Number(opts.workers) : (opts.workers as unknown as number) }),
        ...(opts.redisUrl === undefined ? {} : { redisUrl: opts.redisUrl }),
      };
      let settings: ServerSettings;
      try {
        settings = loadSettings({ flags, env: process.env, configFile: opts.config });
      } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        process.stderr.write(`strata serve: ${error.message}\n`);
        process.exit(2);
      }
      if (settings.workers > 1 && cluster.isPrimary) return servePrimary(settings);
      // Loaded here: the other commands never pull in the HTTP stack.
      const { createServer } = await import('../../config/create-server.js');
      const worker = cluster.isWorker ? await import('../../config/serve-cluster.js') : null;
      const server = await createServer(settings, { role: worker ? 'worker' : 'single' });
      let url: string;
      try {
        url = await server.app.listen({ host: settings.host, port: settings.port });
      } catch (error) {
        await server.close();
        const message = `cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`;
        worker?.reportToPrimary({ type: 'failed', message });
        process.stderr.write(`strata serve: ${message}\n`);
        process.exit(2);
      }
      if (worker) {
        worker.reportToPrimary({ type: 'listening', url });
        worker.onWorkerShutdown(() => closeAndExit(server));
        return;
      }
      const info = {
        url,
        dataDir: server.paths.dir,
        model: `${server.memory.embedder.modelId} (${server.memory.embedder.model.provider})`,
        firstAdminKey: server.firstAdminKey,
        workers: 1,
      };
      process.stdout.write(`${banner(info, settings)}\n`);
      stopOnSignals(server);
    });
}

async function servePrimary(settings: ServerSettings): Promise<void> {
  const { startCluster } = await import('../../config/serve-cluster.js');
  try {
    const started = await startCluster(settings, (code) => process.exit(code));
    process.stdout.write(`${banner({ ...started, model: 'loaded by each worker' }, settings)}\n`);
  } catch (error) {
    process.stderr.write(`strata serve: ${(error as Error).message}\n`);
    // Workers still running are being stopped and exit the primary when gone; with none, exit now.
    process.exitCode = 2;
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(2);
  }
}

interface BannerInfo {
  readonly url: string;
  readonly dataDir: string;
  readonly model: string;
  readonly firstAdminKey: string | null;
  readonly workers: number;
}

function banner(server: BannerInfo, settings: ServerSettings): string {
  const url = server.url;
  const lines = [
    `Strata is listening on ${url}${server.workers > 1 ? ` (${server.workers} worker processes)` : ''}`,
    `  data   ${server.dataDir} (strata.db, keys.db)`,
    `  model  ${server.model}`,
    ...(settings.qdrantUrl ? [`  qdrant ${redactUrl(settings.qdrantUrl)} (semantic search; the store stays the truth)`] : []),
    ...(settings.redisUrl ? [`  redis  ${redisHost(settings.redisUrl)} (cache and working tier; the store stays the durable copy)`] : []),
    settings.docs ? `  docs   ${url}/docs  (OpenAPI: ${url}/openapi.json)` : `  api    ${url}/openapi.json`,
    settings.auth
      ? '  auth   API keys: "Authorization: Bearer strata_..." (the tenant comes from the key); manage with `strata keys`'
      : '  auth   OFF (--no-auth): every request is tenant "default" with every scope; loopback only',
  ];
  if (server.firstAdminKey) {
    lines.push(
      '',
      'First start: created an admin API key for tenant "default" (scopes read, write, admin).',
      'It is shown once, now; store it somewhere safe:',
      '',
      `  ${server.firstAdminKey}`,
      '',
      `Try: curl -H "Authorization: Bearer ${server.firstAdminKey}" ${url}/v1/sessions`,
    );
  }
  lines.push('', 'Stop with Ctrl-C (SIGINT) or SIGTERM: in-flight requests finish, then the stores close.');
  return lines.join('\n');
}

/** First SIGINT/SIGTERM: stop accepting, drain, close the stores, exit 0. A second one exits at once. */
function stopOnSignals(server: StrataServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`strata serve: ${signal} again, exiting without draining\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`strata serve: ${signal}, draining in-flight requests and closing\n`);
    closeAndExit(server);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function closeAndExit(server: StrataServer): void {
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`strata serve: shutdown failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

/** host:port of a Redis URL, never its password. */
function redisHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'redis';
  }
}
