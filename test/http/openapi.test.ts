import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpFixture, httpFixture, json } from './http-fixture.js';

let f: HttpFixture;

beforeAll(async () => {
  f = await httpFixture();
});
afterAll(async () => {
  await f.close();
});

interface Document {
  openapi: string;
  paths: Record<string, Record<string, { operationId?: string; security?: unknown[]; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

describe('OpenAPI 3.1 document and docs page', () => {
  it('/openapi.json documents every route with an operationId, its security and problem+json errors', async () => {
    const response = await f.call(null, 'GET', '/openapi.json');
    expect(response.statusCode).toBe(200);
    const document = json<Document>(response);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKeyHeader', 'bearerAuth']);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(23);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { path, op } of operations) {
      expect(op.operationId, path).toEqual(expect.any(String));
      if (path.startsWith('/v1/')) {
        expect(op.security, path).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
        expect(op.responses['4XX'], path).toMatchObject({
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        });
      }
    }
    expect(document.paths['/docs']).toBeUndefined();
    expect(document.paths['/openapi.json']).toBeUndefined();
  });

  it('every $ref resolves to a component; unused components are pruned', async () => {
    const document = json<Document>(await f.call(null, 'GET', '/openapi.json'));
    const text = JSON.stringify(document);
    const refs = new Set([...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1] as string));
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\/[A-Za-z]+$/);
      expect(document.components.schemas[ref.split('/').pop() as string], ref).toBeDefined();
    }
    const referenced = new Set([...refs].map((ref) => ref.split('/').pop()));
    expect(Object.keys(document.components.schemas).filter((name) => !referenced.has(name))).toEqual([]);
    expect(document.components.schemas.Problem).toMatchObject({
      properties: { code: { enum: expect.arrayContaining(['SESSION_NOT_FOUND', 'RATE_LIMITED']) } },
    });
  });

  it('/docs serves Swagger UI from local files only (no CDN)', async () => {
    const page = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string);
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.filter((asset) => /^(https?:)?\/\//.test(asset))).toEqual([]);
    for (const asset of assets) {
      const file = await f.app.inject({ method: 'GET', url: new URL(asset, 'http://local/docs/').pathname });
      expect(file.statusCode, asset).toBe(200);
    }
    // The initializer loads the document from this server and never calls the online validator.
    const initializer = await f.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain("resolveUrl('./json')");
    expect(initializer.body).toMatch(/validatorUrl: null/);
  });
});
