/**
 * ≥ 2,000 malformed requests (mutated JSON, random bytes, wrong content types, odd paths and queries):
 * every answer is a 4xx with a listed code (or a 2xx when a mutation happens to be valid), never a 5xx;
 * afterwards a normal job still succeeds in the same process.
 */
import * as net from 'net';
import { ERROR_CODES, ERROR_STATUS } from '../../../shared/src';
import {
  createJob, getJson, gradient, request, startTestServer, uploadRaw, waitTerminal, type RawRequest, type TestServer,
} from './harness';

const REQUESTS = 2400;
const PARALLEL = 16;

/** mulberry32: a small seeded generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = generator(20240611);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=latin1', 'image/png', 'application/octet-stream', 'text/plain',
  'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'a/b;c=d', '', 'application/json; charset=utf-16',
];
const ODD_VALUES: unknown[] = [
  null, true, -1, 0, 1e308, -1e308, 2 ** 53, 0.5, '', 'x'.repeat(300), [], {}, [1, 2], { a: { b: {} } }, '💥', '\u0000', -0,
];
const PATHS = [
  '/v1/jobs', '/v1/images', '/v1/models/select', '/v1/health', '/v1/history', '/v1/jobs/%00', '/v1/jobs/../../etc/passwd',
  '/v1/history/%E0%A4%A/image', `/v1/jobs/${'a'.repeat(5000)}`, '/v1/jobs/x/result', '/v1/jobs/x/events', '/v1/jobs/x/preview',
  '/v1//jobs', '/V1/HEALTH', '/v1/openapi.json/x', '/', '/v1/history/x/image',
];

const VALID_JOB = { kind: 'img2img', image: 'fuzz-missing-image', params: { prompt: 'a cat', strength: 0.3, steps: 2, seed: 1 } };

function randomBytes(length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = int(256);
  return bytes;
}

function mutateText(text: string): string {
  const chars = [...text];
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const at = int(chars.length + 1);
    switch (int(5)) {
      case 0: chars.splice(at, 1); break;
      case 1: chars.splice(at, 0, pick(['{', '}', '"', ',', ':', '[', ']', 'NaN', '\\', '\u0000', '1e999', '-'])); break;
      case 2: chars.splice(at, int(10)); break;
      case 3: chars.splice(at, 0, ...chars.slice(int(chars.length), int(chars.length))); break;
      default: chars.length = Math.min(chars.length, at); break;
    }
  }
  return chars.join('');
}

/** Sets a random field (possibly a new one) of a valid job to an odd value. */
function mutateStructure(): unknown {
  const job = JSON.parse(JSON.stringify(VALID_JOB)) as Record<string, unknown> & { params: Record<string, unknown> };
  const target = random() < 0.5 ? job : job.params;
  const keys = [...Object.keys(target), 'guidanceScale', 'eta', 'scale', 'tileSize', 'tileOverlap', 'kind', 'recipe', '__proto__'];
  target[pick(keys)] = pick(ODD_VALUES);
  if (random() < 0.2) job.kind = 'upscale';
  return random() < 0.1 ? pick(ODD_VALUES) : job;
}

function malformedRequest(): RawRequest {
  switch (int(6)) {
    case 0:
      return { method: 'POST', path: '/v1/jobs', headers: { 'content-type': 'application/json' }, body: mutateText(JSON.stringify(VALID_JOB)) };
    case 1:
      return { method: 'POST', path: '/v1/jobs', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mutateStructure()) };
    case 2: {
      const type = pick(CONTENT_TYPES);
      return { method: pick(['POST', 'PUT', 'PATCH', 'DELETE']), path: pick(PATHS), headers: type ? { 'content-type': type } : {}, body: randomBytes(int(2000)) };
    }
    case 3: {
      const size = pick(['1', '0', '-1', '1.5', '1e9', 'abc', '99999999999', '', '4&width=5', '2&height=x']);
      const path = `/v1/images?width=${size}&height=${pick(['1', '2', 'NaN', '-3'])}&bitDepth=${pick(['8', '16', '12', 'x'])}`;
      return { method: 'POST', path, headers: { 'content-type': pick(['application/octet-stream', 'image/png']) }, body: randomBytes(pick([0, 4, 8, 15, 16, 100])) };
    }
    case 4:
      return { method: pick(['GET', 'DELETE', 'HEAD']), path: pick(PATHS), headers: { accept: pick(['*/*', 'text/html', 'application/octet-stream', 'image/png', '']) } };
    default:
      return {
        method: 'POST', path: '/v1/models/select',
        headers: { 'content-type': pick(['application/json', 'text/plain']), 'content-encoding': pick(['identity', 'gzip', 'br']) },
        body: random() < 0.5 ? randomBytes(int(64)) : JSON.stringify({ name: pick(ODD_VALUES) }),
      };
  }
}

/** Bytes straight onto a TCP connection: what comes back (possibly nothing) before the server closes it. */
function sendRawBytes(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => undefined);
    socket.end(bytes);
  });
}

/** Not-quite-HTTP: random bytes, a request line with garbage, oversized headers. */
function brokenHttp(): Buffer {
  switch (int(3)) {
    case 0:
      return randomBytes(1 + int(300));
    case 1:
      return Buffer.from(`${pick(['GET', 'POST', 'BREW', ''])} ${pick(['/v1/health', '*', '', '/\u0000'])} HTTP/${pick(['1.1', '9', 'x'])}\r\n${pick(['Host: 127.0.0.1\r\n', ''])}${mutateText('Content-Length: 5\r\n\r\nhello')}`);
    default:
      return Buffer.from(`GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  }
}

describe('fuzz', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it(`answers ${REQUESTS} malformed requests with listed 4xx errors and keeps working`, async () => {
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (let sent = 0; sent < REQUESTS; sent += PARALLEL) {
      const batch = Array.from({ length: PARALLEL }, malformedRequest);
      const responses = await Promise.all(batch.map((req) => request(server.url, req)));
      responses.forEach((res, i) => {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const req = batch[i];
        const what = `${req.method ?? 'GET'} ${req.path.slice(0, 80)}`;
        if (res.status >= 500) problems.push(`${what} → ${res.status} ${res.body.toString().slice(0, 200)}`);
        if (res.status < 400 || req.method === 'HEAD') return;
        try {
          const { error } = res.json<{ error: { code: (typeof ERROR_CODES)[number]; message: string } }>();
          if (!ERROR_CODES.includes(error.code) || ERROR_STATUS[error.code] !== res.status || !error.message || /\n\s+at /.test(error.message)) {
            problems.push(`${what} → ${res.status} ${JSON.stringify(error)}`);
          }
        } catch {
          problems.push(`${what} → ${res.status} with a body that is not the error JSON: ${res.body.toString().slice(0, 200)}`);
        }
      });
    }
    for (let i = 0; i < 200; i++) {
      const answer = await sendRawBytes(server.port, brokenHttp());
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) problems.push(`raw bytes → ${answer.slice(0, 200)}`);
      if (status >= 400) {
        // The first response only (a valid request may be followed by the answer to the garbage after it).
        const headEnd = answer.indexOf('\r\n\r\n');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(answer.slice(0, headEnd))?.[1]);
        const body = answer.slice(headEnd + 4, headEnd + 4 + length);
        try {
          const { error } = JSON.parse(body) as { error: { code: (typeof ERROR_CODES)[number] } };
          if (ERROR_STATUS[error.code] !== status) problems.push(`raw bytes → ${status} ${error.code}`);
        } catch {
          problems.push(`raw bytes → an answer without the error JSON: ${JSON.stringify(answer.slice(0, 300))}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);

    const image = await uploadRaw(server.url, 48, 48, gradient(48, 48));
    const job = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });
    expect((await waitTerminal(server.url, job.id)).state).toBe('done');
    expect(await getJson(server.url, '/v1/health')).toMatchObject({ ok: true, queueLength: 0 });
    expect(server.logs.filter((l) => l.msg === 'unexpected error')).toEqual([]);
  });
});
