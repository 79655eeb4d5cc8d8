import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { httpStatusFor, StrataError, type StrataErrorCode } from '../errors/strata-error.js';
import type { ProblemBody } from './schemas/common.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Fastify's own 4xx statuses and the Strata code each one stands for. */
const FASTIFY_STATUS_CODES: Record<number, StrataErrorCode> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** "SESSION_NOT_FOUND" -> "Session not found". */
export function titleFor(code: StrataErrorCode): string {
  const words = code.toLowerCase().split('_');
  const sentence = words.join(' ').replace('api key', 'API key');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

export function problemBody(request: FastifyRequest, error: StrataError, status = httpStatusFor(error.code)): ProblemBody {
  return {
    type: `urn:strata:error:${error.code.toLowerCase()}`,
    title: titleFor(error.code),
    status,
    detail: error.message,
    instance: (request.url.split('?')[0] ?? '/').slice(0, 512),
    code: error.code,
    requestId: String(request.id),
    details: error.details,
  };
}

/**
 * Any error to the StrataError it stands for: StrataErrors as they are, Fastify's request
 * errors (validation, body, media type, rate limit) by status, anything else INTERNAL.
 */
export function toStrataError(error: unknown): { error: StrataError; status: number; unexpected: boolean } {
  if (error instanceof StrataError) return { error, status: httpStatusFor(error.code), unexpected: false };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'request';
    const issues = error.validation.slice(0, 20).map((issue) => ({
      path: `${where}${issue.instancePath === '/' ? '' : issue.instancePath.replaceAll('/', '.')}`,
      message: issue.message ?? 'invalid',
    }));
    const first = issues[0];
    const message = first
      ? `${first.path}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
      : 'invalid request';
    return {
      error: new StrataError('INVALID_INPUT', message, { details: { field: first?.path ?? where, issues } }),
      status: 400,
      unexpected: false,
    };
  }
  const statusCode = (error as FastifyError | undefined)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = FASTIFY_STATUS_CODES[statusCode] ?? 'INVALID_INPUT';
    const fastifyCode = (error as FastifyError).code;
    const details = typeof fastifyCode === 'string' ? { reason: fastifyCode } : {};
    return {
      error: new StrataError(code, requestMessage(error as FastifyError, code), { details }),
      status: statusCode,
      unexpected: false,
    };
  }
  return {
    error: new StrataError('INTERNAL', 'an unexpected error occurred; it was logged with this request id'),
    status: 500,
    unexpected: true,
  };
}

function requestMessage(error: FastifyError, code: StrataErrorCode): string {
  switch (code) {
    case 'BODY_TOO_LARGE':
      return 'the request body is larger than the server accepts';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'send request bodies as application/json';
    default:
      // Fastify's messages describe the request, never echo its content.
      return typeof error.message === 'string' && error.message.length > 0 ? error.message.slice(0, 300) : 'invalid request';
  }
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: StrataError, status?: number): FastifyReply {
  const body = problemBody(request, error, status);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}
