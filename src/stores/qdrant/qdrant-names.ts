import { createHash } from 'node:crypto';
import { StrataError } from '../../errors/strata-error.js';

/**
 * Names of the aliases and collections of one index. A model id (`name@version/dims`) holds
 * characters Qdrant does not take in a name, so the alias is `<prefix>_<slug>_<hash>`: readable,
 * and unique per model through 8 hex digits of its SHA-256. Physical collections are
 * `<alias>__<suffix>`.
 */
export function collectionNames(prefix: string) {
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(prefix)) {
    throw new StrataError('INVALID_CONFIG', `Qdrant prefix "${prefix}" must be lowercase letters, digits and _ (at most 32)`, {
      details: { field: 'prefix' },
    });
  }
  const start = `${prefix}_`;
  const alias = (model: string): string => {
    const slug = model
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 48);
    const hash = createHash('sha256').update(model).digest('hex').slice(0, 8);
    return `${start}${slug}_${hash}`;
  };
  return {
    alias,
    physical: (model: string, suffix: string): string => `${alias(model)}__${suffix}`,
    /** A collection this index created (every collection name it makes has a `__` suffix). */
    owns: (name: string): boolean => name.startsWith(start) && name.includes('__'),
  };
}
