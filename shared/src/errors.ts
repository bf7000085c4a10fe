/**
 * Every error the API can return, defined once: its code, its HTTP status, and the JSON shape
 * `{ "error": { "code", "message" } }`. The message is a human sentence; the code is what code checks.
 */
import { z } from 'zod';

export const ERROR_STATUS = {
  /** The body is not valid JSON. */
  BAD_JSON: 400,
  /** Valid JSON (or query) that does not match the schema: missing field, wrong type, out of range. */
  INVALID_REQUEST: 400,
  /** An uploaded image that cannot be decoded: corrupt PNG, raw byte count ≠ width×height×bytes per pixel. */
  BAD_IMAGE: 400,
  /** No or wrong `Authorization: Bearer …` when the server runs with a token. */
  UNAUTHORIZED: 401,
  /** A browser `Origin` that is not on the allowlist. */
  FORBIDDEN_ORIGIN: 403,
  UNKNOWN_IMAGE: 404,
  UNKNOWN_JOB: 404,
  UNKNOWN_MODEL: 404,
  UNKNOWN_HISTORY: 404,
  /** The job has not produced a preview yet. */
  NO_PREVIEW: 404,
  /** No such route. */
  NOT_FOUND: 404,
  /** The `Accept` header allows neither PNG nor raw bytes. */
  NOT_ACCEPTABLE: 406,
  /** The job's result was asked for before it finished. */
  NOT_READY: 409,
  /** The job failed or was cancelled: it has no result. */
  NO_RESULT: 409,
  /** The request body is over the byte limit (the message names the limit). */
  BODY_TOO_LARGE: 413,
  /** The image (or the upscaled result it would give) is over the pixel limit (the message names it). */
  IMAGE_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request's headers are over Node's limit (16 KiB by default). */
  HEADERS_TOO_LARGE: 431,
  /** The `Host` header does not name this server (DNS-rebinding guard). */
  BAD_HOST: 421,
  /** The job queue is full (the message names the limit). */
  QUEUE_FULL: 429,
  /** Too many open event streams, on one job or in total (the message names the limit). */
  TOO_MANY_STREAMS: 429,
  /** A model download is already under way (one at a time). */
  PULL_BUSY: 409,
  /** A model download failed: a file could not be fetched or did not verify (the message names it). */
  DOWNLOAD_FAILED: 502,
  /** `fast: true` on a model that is not LCM-distilled (the message says why). */
  FAST_UNAVAILABLE: 422,
  /** A job's own reason for failing when the model run threw. */
  MODEL_FAILED: 500,
  /** A job stopped by `DELETE /v1/jobs/:id` or by the server shutting down. */
  CANCELLED: 409,
  INTERNAL: 500,
  /** A feature the request asks for that this server does not have (yet), e.g. A1111 inpainting before it lands. */
  NOT_IMPLEMENTED: 501,
  /** No model is loaded (yet), or the server is shutting down. */
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];

export const errorCodeSchema = z.enum(ERROR_CODES);

export const errorBodySchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The JSON of every non-2xx response. */
export const errorResponseSchema = z.object({ error: errorBodySchema });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/** An error as a value: thrown by the server's handlers, turned into JSON by one middleware. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
  toJSON(): ErrorResponse {
    return { error: { code: this.code, message: this.message } };
  }
}
