import type { SwaggerTransformObject } from '@fastify/swagger';
import { jsonSchemaTransformObject } from 'fastify-type-provider-zod';

type Json = unknown;

/**
 * The zod transform lists every registered schema twice (as input and as output); keep only
 * the components the paths reference, directly or through other components.
 */
export const pruneUnusedComponents: SwaggerTransformObject = (document) => {
  const full = jsonSchemaTransformObject(document) as { paths?: Json; components?: { schemas?: Record<string, Json> } };
  const schemas = full.components?.schemas;
  if (!schemas) return full as ReturnType<SwaggerTransformObject>;
  const used = new Set<string>();
  const pending: Json[] = [full.paths];
  while (pending.length > 0) {
    const node = pending.pop();
    if (Array.isArray(node)) pending.push(...node);
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) {
          const name = value.slice('#/components/schemas/'.length);
          if (!used.has(name)) {
            used.add(name);
            pending.push(schemas[name]);
          }
        } else pending.push(value);
      }
    }
  }
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...full, components: { ...full.components, schemas: kept } } as ReturnType<SwaggerTransformObject>;
};
