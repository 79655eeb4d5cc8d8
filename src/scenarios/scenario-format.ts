import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidInput } from '../errors/strata-error.js';
import type { JsonValue } from '../spec/records.js';

/** The scenario format of ../shared/scenarios (see its README). */
export interface Scenario {
  readonly id: string;
  readonly userId: string;
  readonly agentId?: string;
  readonly sessions: ReadonlyArray<{
    readonly sessionId: string;
    readonly startedAt?: string;
    readonly messages: ReadonlyArray<{ id: string; role: 'user' | 'assistant'; content: string; at: string; name?: string }>;
  }>;
  readonly facts?: ReadonlyArray<{ subject: string; key: string; value: JsonValue; validFrom: string; validTo?: string; source?: string }>;
  readonly questions: ReadonlyArray<{
    readonly id: string;
    readonly askedAt: string;
    readonly question: string;
    readonly category: string;
    readonly evidence: readonly string[];
    readonly mustContain: readonly string[];
  }>;
}

export function loadScenarios(dir: string): Scenario[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .sort();
  } catch (cause) {
    throw invalidInput('dir', `cannot read scenario directory ${dir}: ${(cause as Error).message}`);
  }
  return files.map((file) => {
    const scenario = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Scenario;
    if (!scenario.id || !Array.isArray(scenario.sessions) || !Array.isArray(scenario.questions)) {
      throw invalidInput('scenario', `${file} is not a scenario (id, sessions, questions)`);
    }
    return scenario;
  });
}
