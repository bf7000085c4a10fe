/**
 * Errors in the shape A1111 (FastAPI) clients read. Validation failures are 422 with a `detail` list
 * (`[{loc: ["body", field], msg, type}]`, FastAPI's RequestValidationError); every other error is
 * `{error, detail, body, errors}` (A1111's `api_middleware`), with our status codes: what A1111 would answer
 * as a bare 500 (an unknown checkpoint, an init image that is not an image) is a 4xx here.
 */
import type { ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { ApiError } from '../../../../shared/src';
import type { Logger } from '../../logger';

/** A request that does not fit the schema: FastAPI's 422 with one entry per problem. */
export class ValidationError extends Error {
  constructor(readonly detail: Array<{ loc: Array<string | number>; msg: string; type: string }>) {
    super(detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
  }

  static fromZod(error: z.ZodError, where: 'body' | 'query' = 'body'): ValidationError {
    return new ValidationError(
      error.issues.map((issue) => ({
        loc: [where, ...issue.path.map((p) => (typeof p === 'number' ? p : String(p)))],
        msg: issue.message,
        type: `value_error.${issue.code}`,
      })),
    );
  }

  static one(field: string, msg: string): ValidationError {
    return new ValidationError([{ loc: ['body', field], msg, type: 'value_error' }]);
  }
}

export function parseA1111<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw ValidationError.fromZod(result.error);
  return result.data;
}

/** The body-parser failures, in FastAPI's words (a body that is not JSON is a 422 there too). */
function bodyParserError(err: unknown): ApiError | ValidationError | null {
  if (typeof err !== 'object' || err === null) return null;
  const { type, limit } = err as { type?: unknown; limit?: unknown };
  if (type === 'entity.parse.failed') return new ValidationError([{ loc: ['body'], msg: 'JSON decode error', type: 'value_error.jsondecode' }]);
  if (type === 'entity.too.large') return new ApiError('BODY_TOO_LARGE', `the request body is larger than ${String(limit)} bytes (this server's limit, set by --max-pixels)`);
  // Other body-parser refusals (charset, encoding, aborted upload) are the client's: a 4xx naming the reason.
  const status = (err as { status?: unknown }).status;
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_REQUEST', `the request body could not be read (${type}); send UTF-8 JSON`);
  }
  return null;
}

export function a1111ErrorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    const known = err instanceof ApiError || err instanceof ValidationError ? err : bodyParserError(err);
    if (known instanceof ValidationError) {
      res.status(422).json({ detail: known.detail });
      return;
    }
    if (!known) logger.error({ err, method: req.method, path: req.path }, 'unexpected error in the A1111 API');
    const apiError = known ?? new ApiError('INTERNAL', 'internal server error (see the server log)');
    res.status(apiError.status).json({ error: apiError.code, detail: apiError.message, body: '', errors: apiError.message });
    void next;
  };
}
