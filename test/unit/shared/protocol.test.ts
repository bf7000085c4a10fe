import { z } from 'zod';
import {
  ERROR_CODES,
  ERROR_STATUS,
  IMG2IMG_DEFAULTS,
  UPSCALE_DEFAULTS,
  errorResponseSchema,
  historyQuerySchema,
  jobCreateRequestSchema,
  jobStatusSchema,
  rawImageQuerySchema,
} from '../../../shared/src';

describe('job requests', () => {
  it('fills every default of img2img', () => {
    const job = jobCreateRequestSchema.parse({ kind: 'img2img', image: 'abc' });
    expect(job.params).toEqual(IMG2IMG_DEFAULTS);
  });

  it('fills every default of upscale, keeping given values', () => {
    const job = jobCreateRequestSchema.parse({ kind: 'upscale', image: 'abc', params: { guidanceScale: 12 } });
    expect(job.params).toEqual({ ...UPSCALE_DEFAULTS, guidanceScale: 12 });
  });

  it.each([
    ['unknown kind', { kind: 'inpaint', image: 'a' }],
    ['missing image', { kind: 'img2img' }],
    ['image id with a slash', { kind: 'img2img', image: 'a/b' }],
    ['strength above 1', { kind: 'img2img', image: 'a', params: { strength: 1.5 } }],
    ['negative steps', { kind: 'img2img', image: 'a', params: { steps: -1 } }],
    ['fractional steps', { kind: 'img2img', image: 'a', params: { steps: 2.5 } }],
    ['infinite guidance', { kind: 'img2img', image: 'a', params: { guidanceScale: Infinity } }],
    ['NaN eta', { kind: 'img2img', image: 'a', params: { eta: NaN } }],
    ['seed below -1', { kind: 'img2img', image: 'a', params: { seed: -2 } }],
    ['string prompt expected', { kind: 'img2img', image: 'a', params: { prompt: 5 } }],
    ['unknown sampler', { kind: 'img2img', image: 'a', params: { sampler: 'plms' } }],
    ['unknown schedule type', { kind: 'img2img', image: 'a', params: { scheduler: 'exponential' } }],
    ['scale above 4', { kind: 'upscale', image: 'a', params: { scale: 8 } }],
    ['tile not a multiple of 8', { kind: 'upscale', image: 'a', params: { tileSize: 500 } }],
    ['overlap of half the tile', { kind: 'upscale', image: 'a', params: { tileSize: 256, tileOverlap: 128 } }],
  ])('refuses %s', (_label, body) => {
    expect(jobCreateRequestSchema.safeParse(body).success).toBe(false);
  });
});

describe('raw image query', () => {
  it.each([
    [{ width: '10', height: '5' }, { width: 10, height: 5, bitDepth: 8 }],
    [{ width: '10', height: '5', bitDepth: '16' }, { width: 10, height: 5, bitDepth: 16 }],
  ])('reads %j', (query, expected) => {
    expect(rawImageQuerySchema.parse(query)).toEqual(expected);
  });

  it.each([{ width: '0', height: '5' }, { width: 'x', height: '5' }, { width: '4', height: '5', bitDepth: '12' }, { height: '5' }])(
    'refuses %j',
    (query) => {
      expect(rawImageQuerySchema.safeParse(query).success).toBe(false);
    },
  );
});

describe('errors', () => {
  it('gives every code an HTTP error status', () => {
    for (const code of ERROR_CODES) {
      expect(ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
      expect(ERROR_STATUS[code]).toBeLessThan(600);
    }
  });

  it('has the codes the panel relies on', () => {
    expect(ERROR_STATUS).toMatchObject({
      BAD_JSON: 400, INVALID_REQUEST: 400, UNKNOWN_IMAGE: 404, UNKNOWN_JOB: 404, IMAGE_TOO_LARGE: 413,
      BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, QUEUE_FULL: 429, FORBIDDEN_ORIGIN: 403,
      BAD_HOST: 421, UNAUTHORIZED: 401, MODEL_FAILED: 500,
    });
  });

  it('refuses an unknown code in an error body', () => {
    expect(errorResponseSchema.safeParse({ error: { code: 'NOPE', message: 'x' } }).success).toBe(false);
  });
});

describe('JSON Schema generation', () => {
  it('describes requests with defaults as optional and responses as complete', () => {
    const request = z.toJSONSchema(jobCreateRequestSchema, { io: 'input' }) as { oneOf: { required: string[] }[] };
    expect(request.oneOf[0].required).toEqual(['kind', 'image']);
    const status = z.toJSONSchema(jobStatusSchema, { io: 'output' }) as { required: string[] };
    expect(status.required).toContain('etaSeconds');
  });

  it('pages history with bounded limits', () => {
    expect(historyQuerySchema.parse({})).toEqual({ offset: 0, limit: 50 });
    expect(historyQuerySchema.safeParse({ limit: '1000' }).success).toBe(false);
  });
});
