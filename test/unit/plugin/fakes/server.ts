/**
 * An in-process fake of the InsaneRes HTTP API (DESIGN §6) behind a `fetch` function. Requests are checked
 * with the real schemas from shared/ and answered in the documented shapes; each poll of a running job
 * advances it one step. The "model" inverts RGB, so placed pixels are easy to check.
 */
import { DEFAULT_LIMITS, jobCreateRequestSchema, type FastMode, type HistoryEntry, type JobSpec, type JobStatus } from '../../../../shared/src';
import type { LogEntry } from './photoshop';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

interface StoredImage {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  bytes: Uint8Array;
}

interface FakeJob {
  spec: JobSpec;
  status: JobStatus;
  image: StoredImage;
  result: StoredImage | null;
}

export interface FakeServerOptions {
  totalSteps?: number;
  demo?: boolean;
  /** A running job stays at this step until cancelled. */
  holdAtStep?: number | null;
  /** The job fails with this error when it finishes its steps. */
  failWith?: { code: 'MODEL_FAILED'; message: string } | null;
  offline?: boolean;
  maxPixels?: number;
  /** The "model" returns its input unchanged (a perfect match: Difference must be black). */
  identity?: boolean;
  /** /v1/health's `fast` (absent: a server from before fast mode). */
  fast?: FastMode | null;
}

type Body = unknown;

function fakeResponse(status: number, body: Body | Uint8Array, headers: Record<string, string> = {}): Response {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const bytes = body instanceof Uint8Array ? body : null;
  if (!bytes && !lower.has('content-type')) lower.set('content-type', 'application/json');
  // No TextEncoder here: jsdom test environments lack it. JSON answers are only ever read with json().
  const text = bytes ? null : JSON.stringify(body);
  // The client touches only these members of Response: the test boundary.
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name: string) => lower.get(name.toLowerCase()) ?? null },
    json: async () => {
      if (text === null) throw new SyntaxError('not JSON');
      return JSON.parse(text);
    },
    arrayBuffer: async () => (bytes ? bytes.slice().buffer : new ArrayBuffer(0)),
  } as unknown as Response;
}

const apiError = (status: number, code: string, message: string) => fakeResponse(status, { error: { code, message } });

/** The "model": RGB inverted, alpha kept. */
function invert(image: StoredImage): StoredImage {
  const bytes = image.bytes.slice();
  if (image.bitDepth === 8) {
    for (let i = 0; i < bytes.length; i++) if (i % 4 !== 3) bytes[i] = 255 - bytes[i];
  } else {
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < bytes.length / 2; i++) if (i % 4 !== 3) view.setUint16(i * 2, 65535 - view.getUint16(i * 2, true), true);
  }
  return { ...image, bytes };
}

/**
 * Nearest-neighbour enlargement sized as the real server sizes an upscale (planUpscale): the "insane" recipe
 * first enlarges a short side under 512 px to 512, then round(size × scale).
 */
function upscaled(image: StoredImage, scale: number, recipe: boolean): StoredImage {
  const short = math.min(image.width, image.height);
  const first = recipe && short < 512 ? 512 / short : 1;
  const firstSize = { width: math.round(image.width * first), height: math.round(image.height * first) };
  return enlarge(image, math.round(firstSize.width * scale), math.round(firstSize.height * scale));
}

function enlarge(image: StoredImage, width: number, height: number): StoredImage {
  const scale = width / image.width;
  const bytesPerPixel = 4 * (image.bitDepth / 8);
  const bytes = new Uint8Array(width * height * bytesPerPixel);
  for (let y = 0; y < height; y++) {
    const sy = math.min(image.height - 1, math.floor(y / scale));
    for (let x = 0; x < width; x++) {
      const sx = math.min(image.width - 1, math.floor(x / scale));
      const from = (sy * image.width + sx) * bytesPerPixel;
      bytes.set(image.bytes.subarray(from, from + bytesPerPixel), (y * width + x) * bytesPerPixel);
    }
  }
  return { ...image, width, height, bytes };
}

export class FakeServer {
  readonly images = new Map<string, StoredImage>();
  readonly jobs = new Map<string, FakeJob>();
  readonly history: { entry: HistoryEntry; image: StoredImage }[] = [];
  /** JSON bodies of POST /v1/jobs, as the panel sent them. */
  readonly jobRequests: unknown[] = [];
  options: Required<Omit<FakeServerOptions, 'fast'>> & Pick<FakeServerOptions, 'fast'>;
  private counter = 0;

  constructor(
    readonly log: LogEntry[] = [],
    options: FakeServerOptions = {},
  ) {
    this.options = { totalSteps: 3, demo: true, holdAtStep: null, failWith: null, offline: false, maxPixels: 4096 * 4096, identity: false, ...options };
  }

  readonly fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    const { pathname, searchParams } = new URL(url);
    this.log.push({ api: `server ${method} ${pathname}` });
    if (this.options.offline) throw new TypeError('fetch failed');
    const headers = (init.headers ?? {}) as Record<string, string>;
    const wantsRaw = headers.Accept === 'application/octet-stream';

    if (method === 'GET' && pathname === '/v1/health') return fakeResponse(200, this.health());
    if (method === 'POST' && pathname === '/v1/images') {
      const bytes = new Uint8Array(init.body as ArrayBuffer);
      const image: StoredImage = {
        width: Number(searchParams.get('width')),
        height: Number(searchParams.get('height')),
        bitDepth: Number(searchParams.get('bitDepth') ?? 8) as 8 | 16,
        bytes,
      };
      if (bytes.length !== image.width * image.height * 4 * (image.bitDepth / 8)) return apiError(400, 'BAD_IMAGE', 'byte count does not match the size');
      const id = `img${++this.counter}`;
      this.images.set(id, image);
      return fakeResponse(201, { id, width: image.width, height: image.height, bitDepth: image.bitDepth, channels: 4 });
    }
    if (method === 'POST' && pathname === '/v1/jobs') return this.createJob(JSON.parse(String(init.body)));
    if (method === 'GET' && pathname === '/v1/history') {
      const items = this.history.map((h) => h.entry);
      return fakeResponse(200, { items, total: items.length, offset: 0, limit: 50 });
    }
    const historyImage = pathname.match(/^\/v1\/history\/([\w-]+)\/image$/);
    if (historyImage) {
      const found = this.history.find((h) => h.entry.id === historyImage[1]);
      if (!found) return apiError(404, 'UNKNOWN_HISTORY', 'no such history entry');
      return wantsRaw ? this.raw(found.image) : fakeResponse(200, new Uint8Array([137, 80, 78, 71]), { 'Content-Type': 'image/png' });
    }
    const job = pathname.match(/^\/v1\/jobs\/([\w-]+)(\/\w+)?$/);
    if (job) {
      const found = this.jobs.get(job[1]);
      if (!found) return apiError(404, 'UNKNOWN_JOB', 'no such job');
      const sub = job[2] ?? '';
      if (method === 'DELETE' && sub === '') {
        if (found.status.state === 'queued' || found.status.state === 'running') {
          found.status = { ...found.status, state: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled' } };
        }
        return fakeResponse(200, found.status);
      }
      if (sub === '') return fakeResponse(200, this.advance(found));
      if (sub === '/preview') {
        return found.status.step > 0 ? fakeResponse(200, new Uint8Array([137, 80, 78, 71, 1, 2, 3]), { 'Content-Type': 'image/png' }) : apiError(404, 'NO_PREVIEW', 'no preview yet');
      }
      if (sub === '/result') {
        if (!found.result) return apiError(409, 'NOT_READY', 'not finished');
        return wantsRaw ? this.raw(found.result) : fakeResponse(200, new Uint8Array([137, 80, 78, 71]), { 'Content-Type': 'image/png' });
      }
    }
    return apiError(404, 'NOT_FOUND', `no route ${method} ${pathname}`);
  };

  health() {
    return {
      ok: true,
      version: '0.1.0',
      model: 'tiny-sd',
      device: 'cpu',
      demo: this.options.demo,
      notice: this.options.demo ? 'demo model' : null,
      queueLength: 0,
      running: false,
      limits: { ...DEFAULT_LIMITS, maxPixels: this.options.maxPixels },
      ...(this.options.fast !== undefined ? { fast: this.options.fast } : {}),
    };
  }

  private createJob(body: unknown): Response {
    this.jobRequests.push(body);
    const parsed = jobCreateRequestSchema.safeParse(body);
    if (!parsed.success) return apiError(400, 'INVALID_REQUEST', parsed.error.message);
    const image = this.images.get(parsed.data.image);
    if (!image) return apiError(404, 'UNKNOWN_IMAGE', 'no such image');
    const id = `job${++this.counter}`;
    const seed = parsed.data.params.seed === -1 ? 4242 : parsed.data.params.seed;
    const now = new Date().toISOString();
    const status: JobStatus = {
      id,
      kind: parsed.data.kind,
      state: 'queued',
      queuePosition: 0,
      step: 0,
      totalSteps: this.options.totalSteps,
      tile: 1,
      totalTiles: 1,
      etaSeconds: null,
      seed,
      model: null,
      error: null,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      result: null,
      historyId: null,
    };
    this.jobs.set(id, { spec: parsed.data, status, image, result: null });
    return fakeResponse(201, { id, state: 'queued', queuePosition: 0, seed });
  }

  /** Each poll moves the job on: queued → running step 1 … N → done (or failed). */
  private advance(job: FakeJob): JobStatus {
    const s = job.status;
    if (s.state === 'done' || s.state === 'failed' || s.state === 'cancelled') return s;
    if (s.state === 'queued') {
      job.status = { ...s, state: 'running', queuePosition: null, model: 'tiny-sd', startedAt: new Date().toISOString() };
      return job.status;
    }
    if (this.options.holdAtStep !== null && s.step >= this.options.holdAtStep) return s;
    const step = s.step + 1;
    job.status = { ...s, step, etaSeconds: (s.totalSteps - step) * 0.5 };
    if (step < s.totalSteps) return job.status;
    if (this.options.failWith) {
      job.status = { ...job.status, state: 'failed', error: this.options.failWith, finishedAt: new Date().toISOString() };
      return job.status;
    }
    const model = this.options.identity ? (image: StoredImage) => image : invert;
    job.result = job.spec.kind === 'upscale' ? upscaled(model(job.image), job.spec.params.scale, job.spec.params.recipe === 'insane') : model(job.image);
    const historyId = `h${++this.counter}`;
    const r = job.result;
    job.status = { ...job.status, state: 'done', etaSeconds: 0, finishedAt: new Date().toISOString(), result: { width: r.width, height: r.height, bitDepth: r.bitDepth, channels: 4 }, historyId };
    const base = { id: historyId, jobId: s.id, seed: s.seed, model: 'tiny-sd', device: 'cpu', timings: { total: 10 }, stepsRun: s.totalSteps, width: r.width, height: r.height, bitDepth: r.bitDepth, input: { width: r.width, height: r.height, bitDepth: r.bitDepth }, createdAt: new Date().toISOString() };
    const entry: HistoryEntry = job.spec.kind === 'img2img' ? { ...base, kind: 'img2img', params: job.spec.params } : { ...base, kind: 'upscale', params: job.spec.params };
    this.history.unshift({ entry, image: r });
    return job.status;
  }

  private raw(image: StoredImage): Response {
    return fakeResponse(200, image.bytes, {
      'Content-Type': 'application/octet-stream',
      'X-Image-Width': String(image.width),
      'X-Image-Height': String(image.height),
      'X-Image-Bit-Depth': String(image.bitDepth),
    });
  }
}
