import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SERVICES } from './services.js';

/** A schema name no other test file uses. */
export function randomSchema(prefix = 'strata_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and everything in it, on its own short-lived connection. */
export async function dropSchema(schema: string, url: string = SERVICES.postgres): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
