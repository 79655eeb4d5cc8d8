import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StrataError } from '../errors/strata-error.js';
import { PROBLEM_CONTENT_TYPE, sendProblem, toStrataError } from './problem.js';

/**
 * One error handler for the whole API: every error becomes application/problem+json with
 * the stable Strata `code`. Unknown routes are 404 ROUTE_NOT_FOUND. Only a bug is a 500,
 * logged with the request id and never described to the caller.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = toStrataError(error);
    if (mapped.unexpected) request.log.error({ err: error }, 'unexpected error');
    else if (mapped.status >= 500) request.log.warn({ err: error }, 'request failed');
    if (mapped.error.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer realm="strata"');
    // A backend behind an open circuit breaker says when to try again.
    const retryAfterMs = mapped.error.details.retryAfterMs;
    if (mapped.status === 503 && typeof retryAfterMs === 'number')
      reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    return sendProblem(request, reply, mapped.error, mapped.status);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new StrataError('ROUTE_NOT_FOUND', `no route for ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`, {
        details: { method: request.method },
      }),
    ),
  );
}

/** Fastify's errors before routing (a URL that does not decode): problem+json like the rest. */
export function frameworkErrorHandler(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const mapped = toStrataError(error);
  sendProblem(request, reply, mapped.error, mapped.status);
}

/** Requests too broken to reach Fastify (bad HTTP, header overflow, slow senders): a problem+json answer, then close. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return;
  const [status, detail] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request headers are too large']
        : [400, 'the request is not valid HTTP'];
  const body = JSON.stringify({
    type: 'urn:strata:error:invalid_input',
    title: 'Invalid input',
    status,
    detail,
    instance: '/',
    code: 'INVALID_INPUT',
    requestId: '',
    details: {},
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 408 ? 'Request Timeout' : 'Request Header Fields Too Large'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
