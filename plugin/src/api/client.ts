/**
 * The panel's HTTP client for the InsaneRes server (DESIGN §6). fetch only, so it runs in UXP and in
 * browsers alike; every request and response shape comes from `shared/` and every response is validated
 * with its schema. Big pixels travel as raw bytes, never inside JSON.
 */
import type { z } from 'zod';
import {
  ApiError,
  apiPaths,
  CLIENT_HEADER,
  errorResponseSchema,
  healthResponseSchema,
  historyListResponseSchema,
  imageUploadResponseSchema,
  jobCreateResponseSchema,
  jobStatusSchema,
  JOB_EVENT_NAME,
  modelCatalogResponseSchema,
  modelDownloadPaths,
  pullStateSchema,
  type ModelCatalogResponse,
  type PullRequest,
  type PullState,
  modelSelectResponseSchema,
  modelsResponseSchema,
  RAW_HEADERS,
  TERMINAL_STATES,
  type HealthResponse,
  type HistoryListResponse,
  type ImageUploadResponse,
  type JobCreateRequest,
  type JobCreateResponse,
  type JobStatus,
  type ModelSelectResponse,
  type ModelsResponse,
} from '../../../shared/src';
import { decodeRaw, encodeRaw, exactBuffer, type RawRgba } from './raw';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** The minimal EventSource the client needs (absent in UXP, present in browsers). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data: string }) => void): void;
  onerror: ((event: unknown) => void) | null;
  close(): void;
}
export type EventSourceFactory = (url: string) => EventSourceLike;

/** The server did not answer at all (not running, wrong port, blocked): not an API error. */
export class ServerUnreachableError extends Error {
  readonly code = 'SERVER_UNREACHABLE';
  constructor(
    readonly url: string,
    cause: string,
  ) {
    super(`No answer from the InsaneRes server at ${url} (${cause}).`);
    this.name = 'ServerUnreachableError';
  }
}

export interface ApiClientOptions {
  /** e.g. http://127.0.0.1:7860 (no trailing slash needed). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` when the server runs with --token. */
  token?: string | null;
  fetch?: FetchLike;
  /** SSE for job progress when given and no token is set (EventSource cannot send headers). */
  eventSource?: EventSourceFactory | null;
  pollIntervalMs?: number;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WatchOptions {
  onStatus?: (status: JobStatus) => void;
  signal?: AbortSignal;
}

export interface ImageBytes {
  contentType: string;
  bytes: Uint8Array;
}

const OCTET = 'application/octet-stream';

function abortError(): Error {
  const error = new Error('aborted');
  error.name = 'AbortError';
  return error;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(abortError());
    });
  });

export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | null;
  private readonly fetchImpl: FetchLike;
  private readonly eventSource: EventSourceFactory | null;
  private readonly pollIntervalMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token || null;
    const fetchImpl = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
    if (!fetchImpl) throw new Error('no fetch implementation available');
    this.fetchImpl = fetchImpl;
    this.eventSource = options.eventSource ?? null;
    this.pollIntervalMs = options.pollIntervalMs ?? 400;
  }

  // ---------------------------------------------------------------- endpoints

  health(options: RequestOptions = {}): Promise<HealthResponse> {
    return this.json(healthResponseSchema, apiPaths.health, { method: 'GET' }, { timeoutMs: 3000, ...options });
  }

  models(options: RequestOptions = {}): Promise<ModelsResponse> {
    return this.json(modelsResponseSchema, apiPaths.models, { method: 'GET' }, options);
  }

  selectModel(name: string, options: RequestOptions = {}): Promise<ModelSelectResponse> {
    return this.json(modelSelectResponseSchema, apiPaths.modelSelect, this.jsonBody('POST', { name }), options);
  }

  // Model downloads (issue 11): the catalogue of aliases, and a pull as a job that is polled.
  modelCatalog(options: RequestOptions = {}): Promise<ModelCatalogResponse> {
    return this.json(modelCatalogResponseSchema, modelDownloadPaths.catalog, { method: 'GET' }, options);
  }

  startPull(request: PullRequest, options: RequestOptions = {}): Promise<PullState> {
    return this.json(pullStateSchema, modelDownloadPaths.pull, this.jsonBody('POST', request), options);
  }

  pullStatus(id: string, options: RequestOptions = {}): Promise<PullState> {
    return this.json(pullStateSchema, modelDownloadPaths.pullJob(encodeURIComponent(id)), { method: 'GET' }, options);
  }

  cancelPull(id: string, options: RequestOptions = {}): Promise<PullState> {
    return this.json(pullStateSchema, modelDownloadPaths.pullJob(encodeURIComponent(id)), { method: 'DELETE' }, options);
  }

  /** Uploads raw RGBA; the server answers with an image id that jobs refer to. */
  uploadRaw(image: RawRgba, options: RequestOptions = {}): Promise<ImageUploadResponse> {
    const query = `?width=${image.width}&height=${image.height}&bitDepth=${image.bitDepth}`;
    const body = exactBuffer(encodeRaw(image));
    return this.json(
      imageUploadResponseSchema,
      apiPaths.images + query,
      { method: 'POST', headers: { 'Content-Type': OCTET }, body },
      options,
    );
  }

  createJob(request: JobCreateRequest, options: RequestOptions = {}): Promise<JobCreateResponse> {
    return this.json(jobCreateResponseSchema, apiPaths.jobs, this.jsonBody('POST', request), options);
  }

  jobStatus(id: string, options: RequestOptions = {}): Promise<JobStatus> {
    return this.json(jobStatusSchema, apiPaths.job(id), { method: 'GET' }, options);
  }

  /** Cancels a queued or running job. */
  async cancel(id: string, options: RequestOptions = {}): Promise<void> {
    await this.request(apiPaths.job(id), { method: 'DELETE' }, options);
  }

  /** Follows a job to a terminal state: SSE when available, else polling (UXP). */
  async watchJob(id: string, options: WatchOptions = {}): Promise<JobStatus> {
    if (this.eventSource && !this.token) {
      const viaEvents = await this.watchWithEvents(id, options);
      if (viaEvents) return viaEvents;
    }
    for (;;) {
      const status = await this.jobStatus(id, { signal: options.signal });
      options.onStatus?.(status);
      if (TERMINAL_STATES.includes(status.state)) return status;
      await sleep(this.pollIntervalMs, options.signal);
    }
  }

  /** The latest live preview, or null when the job has none yet. */
  async preview(id: string, options: RequestOptions = {}): Promise<ImageBytes | null> {
    try {
      return await this.bytes(apiPaths.jobPreview(id), {}, options);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'NO_PREVIEW') return null;
      throw error;
    }
  }

  /** The finished result as raw RGBA at the crop's exact size. */
  result(id: string, options: RequestOptions = {}): Promise<RawRgba> {
    return this.raw(apiPaths.jobResult(id), options);
  }

  history(query: { offset?: number; limit?: number } = {}, options: RequestOptions = {}): Promise<HistoryListResponse> {
    const params = new URLSearchParams();
    if (query.offset !== undefined) params.set('offset', String(query.offset));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const suffix = params.toString() ? `?${params.toString()}` : '';
    return this.json(historyListResponseSchema, apiPaths.history + suffix, { method: 'GET' }, options);
  }

  /** A small PNG of a history entry, fitting maxSide×maxSide, fetched with the token (for data URLs). */
  historyThumbnail(id: string, maxSide: number, options: RequestOptions = {}): Promise<ImageBytes> {
    return this.bytes(this.historyThumbnailPath(id, maxSide), { Accept: 'image/png' }, options);
  }

  /** The URL of a history thumbnail, for a plain <img> (only without a token: an <img> sends no header). */
  historyThumbnailUrl(id: string, maxSide: number): string {
    return this.baseUrl + this.historyThumbnailPath(id, maxSide);
  }

  private historyThumbnailPath(id: string, maxSide: number): string {
    return `${apiPaths.historyImage(id)}?maxSide=${maxSide}`;
  }

  /** A history entry's full image as PNG. */
  historyImagePng(id: string, options: RequestOptions = {}): Promise<ImageBytes> {
    return this.bytes(apiPaths.historyImage(id), { Accept: 'image/png' }, options);
  }

  /** A history entry's image as raw RGBA (placing an earlier try again). */
  historyImageRaw(id: string, options: RequestOptions = {}): Promise<RawRgba> {
    return this.raw(apiPaths.historyImage(id), options);
  }

  // ---------------------------------------------------------------- plumbing

  private jsonBody(method: string, value: unknown): RequestInit {
    return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(value) };
  }

  private async json<S extends z.ZodType>(schema: S, path: string, init: RequestInit, options: RequestOptions): Promise<z.output<S>> {
    const response = await this.request(path, init, options);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success) {
      throw new ApiError('INTERNAL', `The server's answer to ${path} does not match the protocol: ${parsed.error.message}`);
    }
    return parsed.data;
  }

  private async bytes(path: string, headers: Record<string, string>, options: RequestOptions): Promise<ImageBytes> {
    const response = await this.request(path, { method: 'GET', headers }, options);
    return {
      contentType: response.headers.get('Content-Type') ?? 'image/png',
      bytes: new Uint8Array(await response.arrayBuffer()),
    };
  }

  private async raw(path: string, options: RequestOptions): Promise<RawRgba> {
    const response = await this.request(path, { method: 'GET', headers: { Accept: OCTET } }, options);
    const contentType = response.headers.get('Content-Type') ?? '';
    if (!contentType.startsWith(OCTET)) {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `${path} answered ${contentType || 'no content type'}, raw RGBA was asked for.`);
    }
    const width = Number(response.headers.get(RAW_HEADERS.width));
    const height = Number(response.headers.get(RAW_HEADERS.height));
    const bitDepth = Number(response.headers.get(RAW_HEADERS.bitDepth) ?? 8);
    if (!(width > 0 && height > 0) || (bitDepth !== 8 && bitDepth !== 16)) {
      throw new ApiError('INTERNAL', `${path} answered raw pixels without a valid size (${width}×${height}, ${bitDepth} bits).`);
    }
    return decodeRaw(new Uint8Array(await response.arrayBuffer()), width, height, bitDepth);
  }

  /** One request: network failures become ServerUnreachableError, non-2xx answers become ApiError. */
  private async request(path: string, init: RequestInit, options: RequestOptions): Promise<Response> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { ...(init.headers as Record<string, string> | undefined), [CLIENT_HEADER]: 'panel' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (options.signal?.aborted) throw abortError();

    let response: Response;
    try {
      // Only a native AbortSignal goes to fetch (a stand-in signal would make some fetches reject).
      const signal = typeof AbortSignal !== 'undefined' && options.signal instanceof AbortSignal ? options.signal : undefined;
      response = await this.withTimeout(this.fetchImpl(url, { ...init, headers, ...(signal ? { signal } : {}) }), options);
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new ServerUnreachableError(this.baseUrl, error instanceof Error ? error.message : String(error));
    }
    if (response.ok) return response;

    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy's HTML page, an empty body): the status line below is all there is.
    }
    const parsed = errorResponseSchema.safeParse(body);
    if (parsed.success) throw new ApiError(parsed.data.error.code, parsed.data.error.message);
    throw new ApiError(response.status >= 500 ? 'INTERNAL' : 'INVALID_REQUEST', `HTTP ${response.status} from ${path}`);
  }

  /** A timeout that works even where fetch ignores AbortSignal. */
  private withTimeout<T>(promise: Promise<T>, options: RequestOptions): Promise<T> {
    if (!options.timeoutMs) return promise;
    const ms = options.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      promise.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  /** SSE: resolves with the terminal status, or null when the stream failed (the caller then polls). */
  private watchWithEvents(id: string, options: WatchOptions): Promise<JobStatus | null> {
    const factory = this.eventSource;
    if (!factory) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const source = factory(this.baseUrl + apiPaths.jobEvents(id));
      const finish = (value: JobStatus | null, error?: Error) => {
        source.close();
        if (error) reject(error);
        else resolve(value);
      };
      options.signal?.addEventListener('abort', () => finish(null, abortError()));
      source.addEventListener(JOB_EVENT_NAME, (event) => {
        const parsed = jobStatusSchema.safeParse(JSON.parse(event.data));
        if (!parsed.success) return finish(null);
        options.onStatus?.(parsed.data);
        if (TERMINAL_STATES.includes(parsed.data.state)) finish(parsed.data);
      });
      source.onerror = () => finish(null);
    });
  }
}
