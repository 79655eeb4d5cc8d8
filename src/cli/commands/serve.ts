import type { Command } from 'commander';
import type { StrataServer } from '../../config/create-server.js';
import { loadSettings, SettingsError } from '../../config/load-settings.js';
import type { ServerSettings, SettingsLayer } from '../../config/settings.js';
import type { GlobalOptions } from '../cli-context.js';

interface ServeOptions {
  port?: string;
  host?: string;
  config?: string;
  auth: boolean;
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
    .action(async (opts: ServeOptions, command: Command) => {
      const global = program.opts<GlobalOptions>();
      const flags: SettingsLayer = {
        ...(opts.port === undefined ? {} : { port: /^\d{1,5}$/.test(opts.port) ? Number(opts.port) : (opts.port as unknown as number) }),
        ...(opts.host === undefined ? {} : { host: opts.host }),
        ...(global.data === undefined ? {} : { data: global.data }),
        ...(command.getOptionValueSource('auth') === 'cli' ? { auth: opts.auth } : {}),
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
      // Loaded here: the other commands never pull in the HTTP stack.
      const { createServer } = await import('../../config/create-server.js');
      const server = await createServer(settings);
      let url: string;
      try {
        url = await server.app.listen({ host: settings.host, port: settings.port });
      } catch (error) {
        await server.close();
        process.stderr.write(`strata serve: cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}\n`);
        process.exit(2);
      }
      process.stdout.write(`${banner(server, settings, url)}\n`);
      stopOnSignals(server);
    });
}

function banner(server: StrataServer, settings: ServerSettings, url: string): string {
  const lines = [
    `Strata is listening on ${url}`,
    `  data   ${server.paths.dir} (strata.db, keys.db)`,
    `  model  ${server.memory.embedder.modelId}`,
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
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`strata serve: shutdown failed: ${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** host:port of a Redis URL, never its password. */
function redisHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'redis';
  }
}
