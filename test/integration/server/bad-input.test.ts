/** Every kind of bad request gets a 4xx with a code and a human message, never a stack trace. */
import * as http from 'http';
import * as zlib from 'zlib';
import type { ErrorCode } from '../../../shared/src';
import {
  createJob, expectApiError, gradient, request, startTestServer, uploadRaw, waitTerminal, type RawRequest, type TestServer,
} from './harness';

const JSON_HEADERS = { 'content-type': 'application/json' };
const RAW_HEADERS = { 'content-type': 'application/octet-stream' };

/** A PNG signature and an IHDR claiming width×height, with nothing after it. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const body = Buffer.concat([Buffer.from('IHDR'), ihdr]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(13);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), length, body, crc]);
}

describe('bad input', () => {
  let server: TestServer;
  let image: string;
  let large: string;
  let tiny: string;
  let narrow: string;
  beforeAll(async () => {
    server = await startTestServer({ limits: { maxPixels: 256 * 256, maxImageBytes: 300_000, maxJsonBytes: 4096, maxResultPixels: 512 * 512 } });
    image = await uploadRaw(server.url, 16, 16, gradient(16, 16));
    large = await uploadRaw(server.url, 256, 256, gradient(256, 256));
    tiny = await uploadRaw(server.url, 1, 1, gradient(1, 1));
    narrow = await uploadRaw(server.url, 64, 7, gradient(64, 7));
  });
  afterAll(() => server?.close());

  const job = (body: unknown): RawRequest => ({ method: 'POST', path: '/v1/jobs', headers: JSON_HEADERS, body: JSON.stringify(body) });
  const img2img = (params: Record<string, unknown>): (() => RawRequest) => () => job({ kind: 'img2img', image, params });

  const cases: [string, () => RawRequest, ErrorCode, RegExp?][] = [
    ['not JSON', () => ({ method: 'POST', path: '/v1/jobs', headers: JSON_HEADERS, body: '{"kind": img2img' }), 'BAD_JSON'],
    ['a JSON string, not an object', () => ({ method: 'POST', path: '/v1/jobs', headers: JSON_HEADERS, body: '"img2img"' }), 'BAD_JSON'],
    ['NaN in JSON', () => ({ method: 'POST', path: '/v1/jobs', headers: JSON_HEADERS, body: `{"kind":"img2img","image":"x","params":{"strength":NaN}}` }), 'BAD_JSON'],
    ['JSON without Content-Type', () => ({ method: 'POST', path: '/v1/jobs', body: '{}' }), 'UNSUPPORTED_MEDIA_TYPE'],
    ['JSON as text/plain', () => ({ method: 'POST', path: '/v1/jobs', headers: { 'content-type': 'text/plain' }, body: '{}' }), 'UNSUPPORTED_MEDIA_TYPE'],
    ['an empty object', () => job({}), 'INVALID_REQUEST', /kind/],
    ['missing image', () => job({ kind: 'img2img' }), 'INVALID_REQUEST', /image/],
    ['unknown kind', () => job({ kind: 'inpaint', image }), 'INVALID_REQUEST', /kind/],
    ['image id of the wrong type', () => job({ kind: 'img2img', image: 42 }), 'INVALID_REQUEST', /image/],
    ['strength as a string', img2img({ strength: '0.3' }), 'INVALID_REQUEST', /params\.strength/],
    ['negative strength', img2img({ strength: -0.1 }), 'INVALID_REQUEST', /params\.strength/],
    ['huge steps', img2img({ steps: 1e9 }), 'INVALID_REQUEST', /params\.steps/],
    ['fractional steps', img2img({ steps: 3.5 }), 'INVALID_REQUEST', /params\.steps/],
    ['1e400 (Infinity) guidance', () => ({ ...job({}), body: `{"kind":"img2img","image":"${image}","params":{"guidanceScale":1e400}}` }), 'INVALID_REQUEST', /guidanceScale/],
    ['seed below -1', img2img({ seed: -5 }), 'INVALID_REQUEST', /params\.seed/],
    ['an unknown sampler', img2img({ sampler: 'PLMS' }), 'INVALID_REQUEST', /params\.sampler: unknown sampler 'PLMS'; accepted: ddim, euler, euler_a, dpmpp_2m, lcm, .*DPM\+\+ 2M Karras/],
    ['an unknown schedule type', img2img({ scheduler: 'exponential' }), 'INVALID_REQUEST', /params\.scheduler/],
    ['seed beyond 2^53', () => ({ ...job({}), body: `{"kind":"img2img","image":"${image}","params":{"seed":18446744073709551616}}` }), 'INVALID_REQUEST', /seed/],
    ['img2img on a 1×1 image', () => job({ kind: 'img2img', image: tiny }), 'INVALID_REQUEST', /1×1 px; img2img needs both sides at least 8 px/],
    ['upscale on a 64×7 image', () => job({ kind: 'upscale', image: narrow }), 'INVALID_REQUEST', /64×7 px; upscale needs both sides at least 8 px/],
    ['unknown image id', () => job({ kind: 'img2img', image: 'nope' }), 'UNKNOWN_IMAGE'],
    ['an upscale result over the pixel limit', () => job({ kind: 'upscale', image: large, params: { scale: 4 } }), 'IMAGE_TOO_LARGE', /262144 pixels/],
    // 256² at 2× is within the 512² limit, but the recipe first enlarges to 512², so the result is 1024².
    ['a recipe upscale whose result is over the limit', () => job({ kind: 'upscale', image: large, params: { scale: 2, recipe: 'insane' } }), 'IMAGE_TOO_LARGE', /would have 1048576 pixels/],
    ['a JSON body over the limit', () => job({ kind: 'img2img', image, params: { prompt: 'x'.repeat(5000) } }), 'BODY_TOO_LARGE', /4096 bytes/],
    ['an image as text/plain', () => ({ method: 'POST', path: '/v1/images', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 'UNSUPPORTED_MEDIA_TYPE'],
    ['raw without a size', () => ({ method: 'POST', path: '/v1/images', headers: RAW_HEADERS, body: Buffer.alloc(16) }), 'INVALID_REQUEST', /width/],
    ['raw with a negative width', () => ({ method: 'POST', path: '/v1/images?width=-2&height=2', headers: RAW_HEADERS, body: Buffer.alloc(16) }), 'INVALID_REQUEST', /width/],
    ['raw with bit depth 12', () => ({ method: 'POST', path: '/v1/images?width=2&height=2&bitDepth=12', headers: RAW_HEADERS, body: Buffer.alloc(16) }), 'INVALID_REQUEST', /bitDepth/],
    ['raw byte count ≠ width×height×4', () => ({ method: 'POST', path: '/v1/images?width=2&height=2', headers: RAW_HEADERS, body: Buffer.alloc(15) }), 'BAD_IMAGE', /needs exactly 16 bytes/],
    ['16-bit raw with 8-bit byte count', () => ({ method: 'POST', path: '/v1/images?width=2&height=2&bitDepth=16', headers: RAW_HEADERS, body: Buffer.alloc(16) }), 'BAD_IMAGE', /32 bytes/],
    ['an empty raw body', () => ({ method: 'POST', path: '/v1/images?width=2&height=2', headers: RAW_HEADERS }), 'BAD_IMAGE'],
    ['raw over the pixel limit', () => ({ method: 'POST', path: '/v1/images?width=1000&height=1000', headers: RAW_HEADERS, body: Buffer.alloc(16) }), 'IMAGE_TOO_LARGE', /65536 pixels/],
    ['raw over the byte limit', () => ({ method: 'POST', path: '/v1/images?width=256&height=256&bitDepth=16', headers: RAW_HEADERS, body: Buffer.alloc(256 * 256 * 8) }), 'BODY_TOO_LARGE', /300000 bytes/],
    ['random bytes as a PNG', () => ({ method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: Buffer.from('not a png at all, really') }), 'BAD_IMAGE', /PNG/],
    ['a PNG cut after its header', () => ({ method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: pngHeader(8, 8) }), 'BAD_IMAGE', /PNG/],
    ['a PNG over the pixel limit', () => ({ method: 'POST', path: '/v1/images', headers: { 'content-type': 'image/png' }, body: pngHeader(5000, 5000) }), 'IMAGE_TOO_LARGE', /25000000 pixels/],
    ['an unknown job', () => ({ path: '/v1/jobs/nope' }), 'UNKNOWN_JOB'],
    ['cancelling an unknown job', () => ({ method: 'DELETE', path: '/v1/jobs/nope' }), 'UNKNOWN_JOB'],
    ['the result of an unknown job', () => ({ path: '/v1/jobs/nope/result' }), 'UNKNOWN_JOB'],
    ['the events of an unknown job', () => ({ path: '/v1/jobs/nope/events' }), 'UNKNOWN_JOB'],
    ['an unknown history entry', () => ({ path: '/v1/history/nope/image' }), 'UNKNOWN_HISTORY'],
    ['a history page of 0', () => ({ path: '/v1/history?limit=0' }), 'INVALID_REQUEST', /limit/],
    ['a history offset of -1', () => ({ path: '/v1/history?offset=-1' }), 'INVALID_REQUEST', /offset/],
    ['an unknown route', () => ({ path: '/v2/everything' }), 'NOT_FOUND'],
    ['a wrong method', () => ({ method: 'PUT', path: '/v1/jobs' }), 'NOT_FOUND'],
    ['a path with a broken escape', () => ({ path: '/v1/jobs/%E0%A4%A' }), 'INVALID_REQUEST'],
  ];

  // One object per row: jest would take a missing trailing column for a `done` callback.
  it.each(cases.map(([label, build, code, message]) => ({ label, build, code, message })))('$label → $code', async ({ build, code, message }) => {
    const res = await request(server.url, build());
    expectApiError(res, code);
    if (message) expect(res.json<{ error: { message: string } }>().error.message).toMatch(message);
  });

  it('refuses an upload whose Content-Length is over the limit at once, before its body arrives', async () => {
    for (const [path, type] of [['/v1/images', 'image/png'], ['/v1/images?width=256&height=256&bitDepth=16', 'application/octet-stream']]) {
      const url = new URL(path, server.url);
      // Only the headers and a few bytes are sent: an answer proves the server did not wait for the rest.
      const res = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', agent: false,
            headers: { 'content-type': type, 'content-length': String(50 * 2 ** 20) } },
          (answer) => {
            let body = '';
            answer.setEncoding('utf8');
            answer.on('data', (c: string) => (body += c));
            answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body, connection: answer.headers.connection }));
          },
        );
        req.on('error', reject);
        req.write(Buffer.alloc(1024));
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'BODY_TOO_LARGE', message: expect.stringMatching(/52428800 bytes.*the limit is 300000 bytes/) } });
      expect(res.connection).toBe('close');
    }
  });

  it('refuses a result format it cannot send', async () => {
    const { id } = await createJob(server.url, { kind: 'img2img', image, params: { steps: 2 } });
    await waitTerminal(server.url, id);
    expectApiError(await request(server.url, { path: `/v1/jobs/${id}/result`, headers: { accept: 'text/html' } }), 'NOT_ACCEPTABLE');
    expect((await request(server.url, { path: `/v1/jobs/${id}/result`, headers: { accept: 'image/*' } })).status).toBe(200);
  });
});
