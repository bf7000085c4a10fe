/**
 * The one place where failures become HTTP responses: `{ error: { code, message } }`, never a stack.
 * Body-parser's own errors (too large, not JSON, bad charset) are mapped to our codes here.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError, type ErrorCode } from '../../../shared/src';
import type { Logger } from '../logger';
import { STREAMS_RETRY_AFTER_S } from './progress-streams';

/** The shape of errors thrown by body-parser (express.json / express.raw). */
interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
  length?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number';
}

/** `Retry-After` seconds for the answers that mean "not now" (RFC 9110 §10.2.3). */
const RETRY_AFTER_S: Partial<Record<ErrorCode, number>> = {
  // A job takes seconds to minutes; a client retrying every 10 s is neither a flood nor a long wait.
  QUEUE_FULL: 10,
  TOO_MANY_STREAMS: STREAMS_RETRY_AFTER_S,
};

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${bytes} bytes (${(bytes / (1024 * 1024)).toFixed(1)} MiB)`;
  if (bytes >= 1024) return `${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`;
  return `${bytes} bytes`;
}

function fromBodyParser(err: BodyParserError): ApiError {
  switch (err.type) {
    case 'entity.too.large':
      return new ApiError(
        'BODY_TOO_LARGE',
        `the request body${err.length !== undefined ? ` is ${formatBytes(err.length)}` : ' is too large'}; the limit is ${formatBytes(err.limit ?? 0)}`,
      );
    case 'entity.parse.failed':
      return new ApiError('BAD_JSON', 'the body is not valid JSON (send one JSON object with Content-Type: application/json)');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset or content encoding (send UTF-8, uncompressed)');
    case 'request.size.invalid':
      return new ApiError('INVALID_REQUEST', 'the body is shorter or longer than its Content-Length');
    case 'request.aborted':
      return new ApiError('INVALID_REQUEST', 'the request was aborted before its body arrived');
    default: {
      const code: ErrorCode = err.status === 413 ? 'BODY_TOO_LARGE' : err.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST';
      return new ApiError(code, `the request body could not be read (${err.type})`);
    }
  }
}

export const notFound: RequestHandler = (req) => {
  throw new ApiError('NOT_FOUND', `no route ${req.method} ${req.path} (see GET /v1/openapi.json)`);
};

/** Other errors that carry a 4xx status (e.g. a path with broken %-escapes) are the client's fault. */
function fromClientStatus(err: unknown): ApiError | null {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  if (status === 413) return new ApiError('BODY_TOO_LARGE', 'the request is too large');
  return new ApiError('INVALID_REQUEST', 'malformed request');
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const apiError =
      err instanceof ApiError ? err : isBodyParserError(err) ? fromBodyParser(err) : fromClientStatus(err);
    if (!apiError) logger.error({ err, method: req.method, path: req.path }, 'unexpected error');
    const sent = apiError ?? new ApiError('INTERNAL', 'internal server error (see the server log)');
    if (res.headersSent) {
      // A stream (SSE, image) already started: all that is left is to end it.
      res.end();
      return;
    }
    const retryAfter = RETRY_AFTER_S[sent.code];
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    // Refused before its body was read (e.g. from Content-Length): the rest of the body is not wanted.
    if (!req.complete) res.setHeader('Connection', 'close');
    res.status(sent.status).json(sent.toJSON());
    void next;
  };
}
