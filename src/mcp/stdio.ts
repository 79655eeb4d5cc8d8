import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { MemoryService } from '../core/memory-service.js';
import { createMcpServer } from './create-mcp-server.js';

export interface ServeStdioOptions {
  readonly stdin?: NodeJS.ReadableStream | undefined;
  /** Carries the protocol only: nothing else may be written to it. */
  readonly stdout?: NodeJS.WritableStream | undefined;
  /** Diagnostics (never stdout). Default: nothing. */
  readonly log?: ((line: string) => void) | undefined;
  /** Resolves the serve when it fires (e.g. on SIGINT/SIGTERM), after requests in flight are answered. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Serves the MCP tools over stdio (newline-delimited JSON-RPC on stdin/stdout) until stdin
 * ends or `signal` aborts; then waits for the requests in flight to be answered, closes the
 * server and resolves. The caller owns `memory` and closes it afterwards.
 */
export async function serveStdio(memory: MemoryService, options: ServeStdioOptions = {}): Promise<void> {
  const stdin = options.stdin ?? process.stdin;
  const log = options.log ?? (() => {});
  const server = createMcpServer(memory, {
    onError: (error, tool) => log(`${tool} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  const transport = new StdioServerTransport(stdin as NodeJS.ReadStream, options.stdout as NodeJS.WriteStream | undefined);
  const inFlight = new InFlight();
  transport.onerror = (error) => log(`stdio transport: ${error.message}`);

  const done = new Promise<void>((resolve) => {
    const finish = (why: string) => {
      stdin.off('end', onEnd);
      stdin.off('close', onEnd);
      options.signal?.removeEventListener('abort', onAbort);
      log(`${why}; closing after ${inFlight.count} request(s) in flight`);
      void inFlight.drained().then(async () => {
        await server.close();
        resolve();
      });
    };
    const onEnd = () => finish('stdin ended');
    const onAbort = () => finish('stopping');
    stdin.once('end', onEnd);
    stdin.once('close', onEnd);
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });

  // Tracked before connecting: once connected, stdin may deliver (and the server start handling)
  // requests before this function runs again, and an untracked request would be cut off at end.
  inFlight.track(transport);
  await server.connect(transport);
  await done;
}

/** Counts the requests received and not yet answered on a transport (wraps its onmessage and send). */
class InFlight {
  private readonly pending = new Set<string | number>();
  private waiters: Array<() => void> = [];

  get count(): number {
    return this.pending.size;
  }

  /** Wraps whatever handler `connect` installs as the transport's onmessage, and its send. */
  track(transport: StdioServerTransport): void {
    type Receive = NonNullable<StdioServerTransport['onmessage']>;
    let receive: Receive | undefined;
    const counted: Receive = (message: JSONRPCMessage) => {
      if ('method' in message && 'id' in message) this.pending.add(message.id);
      receive?.(message);
    };
    Object.defineProperty(transport, 'onmessage', {
      configurable: true,
      enumerable: true,
      get: () => (receive ? counted : undefined),
      set: (handler: Receive | undefined) => {
        receive = handler;
      },
    });
    const send = transport.send.bind(transport);
    transport.send = async (message: JSONRPCMessage) => {
      try {
        await send(message);
      } finally {
        if (!('method' in message) && 'id' in message && message.id !== undefined) this.settle(message.id);
      }
    };
  }

  drained(): Promise<void> {
    return this.pending.size === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(id: string | number): void {
    this.pending.delete(id);
    if (this.pending.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
