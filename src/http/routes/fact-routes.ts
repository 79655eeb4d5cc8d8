import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ValidationResult as CoreValidationResult } from '../../core/fact-rules.js';
import {
  FactHistoryQuery,
  FactList,
  GetFactsQuery,
  SetFactBody,
  SetFactResponse,
  SetFactRuleBody,
  SetFactRuleResponse,
  ValidateFactBody,
  ValidationResult,
} from '../schemas/facts.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY, tenantMemory } from './route-kit.js';

/** Pinned bi-temporal facts, their rules and validation. */
export function factRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/facts',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'setFact',
          tags: ['facts'],
          summary: 'Set subject.key = value from validFrom on; the previous value is closed there',
          description: '201 when a new version was stored, 200 when the same value was already current.',
          security: SECURITY,
          body: SetFactBody,
          response: { 200: SetFactResponse, 201: SetFactResponse, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await tenantMemory(deps, request).setFact(request.body);
        // Core types severity as a string; it is always one of the enum's values.
        const validation = { ...result.validation, severity: result.validation.severity as CoreValidationResult['severity'] };
        return reply.code(result.created ? 201 : 200).send({ ...result, validation });
      },
    );

    app.get(
      '/v1/facts',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'getFacts',
          tags: ['facts'],
          summary: 'Facts valid at asOf (default now)',
          security: SECURITY,
          querystring: GetFactsQuery,
          response: { 200: FactList, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ data: await tenantMemory(deps, request).getFacts(request.query) }),
    );

    app.get(
      '/v1/facts/history',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'factHistory',
          tags: ['facts'],
          summary: 'Every version of subject.key, oldest first',
          security: SECURITY,
          querystring: FactHistoryQuery,
          response: { 200: FactList, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ data: await tenantMemory(deps, request).factHistory(request.query) }),
    );

    app.put(
      '/v1/facts/rule',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'setFactRule',
          tags: ['facts'],
          summary: 'Set the validation rule of subject.key',
          security: SECURITY,
          body: SetFactRuleBody,
          response: { 200: SetFactRuleResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { rule, ...query } = request.body;
        await tenantMemory(deps, request).setFactRule(query, rule);
        return { ok: true as const, rule };
      },
    );

    app.post(
      '/v1/facts/validate',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'validateFact',
          tags: ['facts'],
          summary: 'Check a value against the rule of subject.key (stores nothing)',
          security: SECURITY,
          body: ValidateFactBody,
          response: { 200: ValidationResult, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { value, ...query } = request.body;
        return tenantMemory(deps, request).validate(query, value);
      },
    );
  };
}
