import { createTurnLogger } from '../../src/observability/turn-log.js';

/** A real pino logger writing into memory: `lines()` parses what it wrote, `raw()` is the text. */
export function captureLog(): {
  logger: ReturnType<typeof createTurnLogger>;
  lines: () => Array<Record<string, unknown>>;
  raw: () => string;
} {
  const chunks: string[] = [];
  const logger = createTurnLogger({ destination: { write: (chunk: string) => void chunks.push(chunk) } });
  return {
    logger,
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
