/**
 * Helpers for the server's integration tests: the real server (startServer) on a real port with the tiny
 * model, plain node:http requests (fetch refuses to set Host), and an SSE reader.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { startServer, type RunningServer, type ServerOptions } from '../../../server/src/serve';
import { ERROR_STATUS, JOB_EVENT_NAME, type ErrorCode, type JobStatus } from '../../../shared/src';
import { tinyModel as sharedTinyModel } from '../../helpers/tiny-model';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const created: string[] = [];

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `insaneres-${prefix}-`));
  created.push(dir);
  return dir;
}

// Registered at the top level of every test file that imports this module: its temp folders go with it.
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The tiny model in a folder called `name` (the run's shared copy: test/helpers/tiny-model.ts). */
export function tinyModel(name = 'tiny'): Promise<string> {
  return sharedTinyModel({}, name);
}

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface TestServer extends RunningServer {
  outputs: string;
  logs: LogLine[];
}

export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const logs: LogLine[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  const outputs = options.outputs ?? tempDir('outputs');
  // `model: undefined` given explicitly means no model at all (the demo model).
  const model = 'model' in options ? options.model : options.modelsDir ? undefined : await tinyModel();
  const server = await startServer({ port: 0, device: 'cpu', outputs, logger, ...options, model });
  return { ...server, outputs, logs };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One HTTP request with full control over the headers (Host included). */
export function request(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(req.path, baseUrl);
  // Node sends DELETE/OPTIONS bodies unframed unless told their length.
  const headers = req.body !== undefined ? { 'content-length': String(Buffer.byteLength(req.body)), ...req.headers } : req.headers;
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T });
        });
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}

export async function getJson<T>(baseUrl: string, p: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await request(baseUrl, { path: p, headers });
  if (res.status !== 200) throw new Error(`GET ${p} → ${res.status} ${res.body.toString()}`);
  return res.json<T>();
}

export async function postJson(baseUrl: string, p: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(baseUrl, { method: 'POST', path: p, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** A smooth 8-bit RGBA test picture with a varying alpha. */
export function gradient(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data.set([(x * 255) / math.max(1, width - 1), (y * 255) / math.max(1, height - 1), 128, 255 - ((x + y) % 7)], i);
    }
  }
  return data;
}

export async function uploadRaw(baseUrl: string, width: number, height: number, bytes: Uint8Array, bitDepth: 8 | 16 = 8): Promise<string> {
  const res = await request(baseUrl, {
    method: 'POST',
    path: `/v1/images?width=${width}&height=${height}&bitDepth=${bitDepth}`,
    headers: { 'content-type': 'application/octet-stream' },
    body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  });
  if (res.status !== 201) throw new Error(`upload → ${res.status} ${res.body.toString()}`);
  return res.json<{ id: string }>().id;
}

export async function createJob(baseUrl: string, body: object): Promise<{ id: string; seed: number }> {
  const res = await postJson(baseUrl, '/v1/jobs', body);
  if (res.status !== 202) throw new Error(`create job → ${res.status} ${res.body.toString()}`);
  return res.json<{ id: string; seed: number }>();
}

const TERMINAL = ['done', 'failed', 'cancelled'];

export async function waitFor(baseUrl: string, jobId: string, until: (s: JobStatus) => boolean, timeoutMs = 60_000): Promise<JobStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await getJson<JobStatus>(baseUrl, `/v1/jobs/${jobId}`);
    if (until(status)) return status;
    if (TERMINAL.includes(status.state)) throw new Error(`job ${jobId} ended ${status.state} (${JSON.stringify(status.error)})`);
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${status.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function waitTerminal(baseUrl: string, jobId: string, timeoutMs?: number): Promise<JobStatus> {
  return waitFor(baseUrl, jobId, (s) => TERMINAL.includes(s.state), timeoutMs);
}

/** Reads `GET /v1/jobs/:id/events` to its end; returns every status event. */
export function readEvents(baseUrl: string, jobId: string): Promise<JobStatus[]> {
  const url = new URL(`/v1/jobs/${jobId}/events`, baseUrl);
  return new Promise((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: url.pathname, headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`events → ${res.statusCode}`));
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const events = text
            .split('\n\n')
            .filter((frame) => frame.startsWith(`event: ${JOB_EVENT_NAME}\n`))
            .map((frame) => JSON.parse(frame.split('\n')[1].slice('data: '.length)) as JobStatus);
          resolve(events);
        });
      })
      .on('error', reject);
  });
}

/** Checks the error contract: status matches the code's, a message, and never a stack trace. */
export function expectApiError(res: RawResponse, code: ErrorCode): void {
  const body = res.json<{ error: { code: string; message: string } }>();
  expect({ status: res.status, code: body.error?.code }).toEqual({ status: ERROR_STATUS[code], code });
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(res.body.toString()).not.toMatch(/\n\s+at /);
}
