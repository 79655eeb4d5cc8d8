import type { Socket } from 'node:net';
import { openSocket } from './tcp-connect.js';
import { elapsedMs, redactUrl, type TierReport } from './tier-report.js';

/**
 * Redis answers PING (after AUTH and SELECT when the URL carries them), spoken in RESP over a
 * plain socket: the doctor needs no Redis client library. Redis has no schema, so `migrated` is null.
 */
export async function checkRedis(url: string, timeoutMs = 3_000): Promise<TierReport> {
  const base = { tier: 'redis', backend: 'redis', target: redactUrl(url), migrated: null, extension: null } as const;
  let socket: Socket | null = null;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error('REDIS_URL must start with redis:// or rediss://');
    socket = await openSocket(parsed.hostname, Number(parsed.port || 6379), { tls: parsed.protocol === 'rediss:', timeoutMs });
    const replies = new RespReader(socket, timeoutMs);
    const send = async (...args: string[]): Promise<string> => {
      (socket as Socket).write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
      return replies.next();
    };
    if (parsed.password) {
      const password = decodeURIComponent(parsed.password);
      await send('AUTH', ...(parsed.username ? [decodeURIComponent(parsed.username)] : []), password);
    }
    const db = parsed.pathname.replace(/^\//, '');
    if (db !== '') await send('SELECT', db);
    const started = performance.now();
    const pong = await send('PING');
    const latencyMs = elapsedMs(started);
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
    const info = await send('INFO', 'server');
    const version = /redis_version:([^\r\n]+)/.exec(info)?.[1];
    return { ...base, ok: true, reachable: true, latencyMs, ...(version ? { version } : {}) };
  } catch (error) {
    return { ...base, ok: false, reachable: false, latencyMs: null, detail: (error as Error).message };
  } finally {
    socket?.destroy();
  }
}

/** Reads simple, error, integer and bulk string replies, one at a time. */
class RespReader {
  private buffer = Buffer.alloc(0);
  private waiting: Array<{ resolve: (reply: string) => void; reject: (error: Error) => void }> = [];
  private failure: Error | null = null;

  constructor(
    socket: Socket,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    const fail = (error: Error): void => {
      this.failure = error;
      for (const waiter of this.waiting.splice(0)) waiter.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('Redis closed the connection')));
  }

  next(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply from Redis within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.waiting.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.drain();
    });
  }

  private drain(): void {
    while (this.waiting.length > 0) {
      const parsed = this.parse();
      if (parsed === null) return;
      const waiter = this.waiting.shift();
      if (parsed.error) waiter?.reject(new Error(`Redis: ${parsed.value}`));
      else waiter?.resolve(parsed.value);
    }
  }

  private parse(): { value: string; error: boolean } | null {
    const end = this.buffer.indexOf('\r\n');
    if (end < 0) return null;
    const type = String.fromCharCode(this.buffer[0] as number);
    const line = this.buffer.subarray(1, end).toString('utf8');
    if (type === '$') {
      const length = Number(line);
      if (length < 0) {
        this.buffer = this.buffer.subarray(end + 2);
        return { value: '', error: false };
      }
      if (this.buffer.length < end + 2 + length + 2) return null;
      const value = this.buffer.subarray(end + 2, end + 2 + length).toString('utf8');
      this.buffer = this.buffer.subarray(end + 2 + length + 2);
      return { value, error: false };
    }
    this.buffer = this.buffer.subarray(end + 2);
    return { value: line, error: type === '-' };
  }
}
