/** Studio mode's small pure parts: queue URLs, error transport, queue names and the raw input files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkRedisUrl, decodeError, encodeError, modelOfQueue, queueNameFor, redactUrl } from '../../../../server/src/jobs/bull/keys';
import { decodeRaw, encodeRaw, readInput, writeInput } from '../../../../server/src/jobs/bull/storage';

describe('studio keys', () => {
  it.each([
    ['redis://127.0.0.1:6379', null],
    ['redis://:secret@redis.lan:6379/2', null],
    ['rediss://user:secret@redis.lan:6380', null],
    ['http://127.0.0.1:6379', /must start with redis:\/\/ or rediss:\/\//],
    ['redis://127.0.0.1:6379/db1', /database must be a number/],
    ['not a url', /needs a URL like/],
  ])('checks %s', (url, problem) => {
    const found = checkRedisUrl(url);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toMatch(problem);
  });

  it('never shows a password', () => {
    expect(redactUrl('rediss://user:s3cret@redis.lan:6380/1')).toBe('rediss://user:***@redis.lan:6380/1');
    expect(redactUrl('redis://:s3cret@h:1')).not.toContain('s3cret');
  });

  it('names one queue per model, without the ":" BullMQ refuses, and back', () => {
    for (const name of ['sd15', 'my model: v2', 'ünïcode/../x']) {
      expect(queueNameFor(name)).not.toContain(':');
      expect(modelOfQueue(queueNameFor(name))).toBe(name);
    }
  });

  it('carries our errors through BullMQ failed reasons, and explains its stall limit', () => {
    expect(decodeError(encodeError({ code: 'CANCELLED', message: 'by request' }))).toEqual({ code: 'CANCELLED', message: 'by request' });
    expect(decodeError('job stalled more than allowable limit')).toMatchObject({ code: 'MODEL_FAILED', message: expect.stringMatching(/stopped responding/) });
    expect(decodeError('boom')).toEqual({ code: 'MODEL_FAILED', message: 'boom' });
  });
});

describe('studio storage', () => {
  it('round-trips 8- and 16-bit raw images exactly', () => {
    const eight = { width: 3, height: 2, channels: 4 as const, bitDepth: 8 as const, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
    const sixteen = { width: 2, height: 1, channels: 3 as const, bitDepth: 16 as const, data: Uint16Array.from([0, 1, 65535, 300, 40000, 7]) };
    for (const image of [eight, sixteen]) expect(decodeRaw(encodeRaw(image))).toEqual(image);
    expect(() => decodeRaw(encodeRaw(eight).subarray(0, 30))).toThrow(/holds 14 bytes/);
  });

  it('writes inputs inside the shared folder and refuses references that leave it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-shared-'));
    try {
      const image = { width: 1, height: 1, channels: 4 as const, bitDepth: 8 as const, data: Uint8Array.from([1, 2, 3, 4]) };
      const ref = await writeInput(dir, 'job1', image);
      expect(ref).toBe('inputs/job1.rgba');
      expect(await readInput(dir, ref)).toEqual(image);
      await expect(readInput(dir, '../../etc/passwd')).rejects.toThrow(/leaves the shared folder/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
