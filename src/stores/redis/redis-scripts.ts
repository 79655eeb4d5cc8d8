import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** A Lua script shipped beside this file in lua/ (copied to dist by scripts/copy-assets.mjs), run by EVALSHA. */
export class RedisScript {
  readonly sha: string;

  constructor(
    readonly name: string,
    readonly source: string,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  static load(name: string): RedisScript {
    return new RedisScript(name, readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8'));
  }

  /** EVALSHA, falling back to EVAL when the server does not know the script yet (first call, or after a restart). */
  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Every script, loaded once per process. */
export const SCRIPTS = {
  sessionFill: RedisScript.load('session-fill'),
  idempotencyFill: RedisScript.load('idempotency-fill'),
  messagesAppend: RedisScript.load('messages-append'),
  scratchSet: RedisScript.load('scratch-set'),
  scratchRead: RedisScript.load('scratch-read'),
  contextGet: RedisScript.load('context-get'),
  contextSet: RedisScript.load('context-set'),
} as const;
