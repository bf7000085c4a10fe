/** The downloader's small pure parts, as tables. */
import { listAliases, pullHint } from '../../../../../server/src/models/hub/aliases';
import { hubHttpError } from '../../../../../server/src/models/hub/errors';
import { contentRangeStart } from '../../../../../server/src/models/hub/fetch-file';
import { isModelFile } from '../../../../../server/src/models/hub/filter';
import { checkModelName } from '../../../../../server/src/models/hub/pull';
import { formatDuration, RateMeter } from '../../../../../server/src/models/hub/rate';
import { parseRetryAfter } from '../../../../../server/src/models/hub/retry';
import { nextLink, parseRepoRef } from '../../../../../server/src/models/hub/tree';

test.each([
  ['model_index.json', true],
  ['unet/model.onnx', true],
  ['unet/model.onnx_data', true],
  ['unet/weights.pb', true],
  ['text_encoder/onnx__MatMul_1234', true],
  ['tokenizer/vocab.json', true],
  ['scheduler/scheduler_config.json', true],
  ['vae_decoder/config.json', true],
  ['unet/diffusion_pytorch_model.safetensors', false],
  ['unet/diffusion_pytorch_model.bin', false],
  ['v1-5-pruned.ckpt', false],
  ['text_encoder/model.safetensors', false],
  ['safety_checker/model.onnx', false],
  ['feature_extractor/preprocessor_config.json', false],
  ['controlnet/model.onnx', false],
  ['vae/diffusion_pytorch_model.safetensors', false],
  ['unet/fp16/model.onnx', false],
  ['README.md', false],
  ['.gitattributes', false],
  ['sample.png', false],
])('isModelFile(%s) = %s', (file, wanted) => {
  expect(isModelFile(file)).toBe(wanted);
});

test('repo specs: owner/name[@revision]', () => {
  expect(parseRepoRef('onnx-community/stable-diffusion-v1-5-ONNX')).toEqual({ repo: 'onnx-community/stable-diffusion-v1-5-ONNX', revision: 'main' });
  expect(parseRepoRef('a/b@refs/pr/11')).toEqual({ repo: 'a/b', revision: 'refs/pr/11' });
  for (const bad of ['a', 'a/b/c', '../x', 'a/b@', 'a/..']) expect(() => parseRepoRef(bad)).toThrow(/OWNER\/NAME|revision/);
});

test('Link rel="next", Retry-After, Content-Range', () => {
  expect(nextLink('<https://hf.co/api/x?cursor=abc>; rel="next"', 'https://hf.co/')).toBe('https://hf.co/api/x?cursor=abc');
  expect(nextLink('</api/x?cursor=2>; rel="next", </api/x?cursor=0>; rel="prev"', 'http://h:1/api/x')).toBe('http://h:1/api/x?cursor=2');
  expect(nextLink('</api/x?cursor=0>; rel="prev"', 'http://h/')).toBeNull();
  expect(nextLink(undefined, 'http://h/')).toBeNull();
  expect(parseRetryAfter('7')).toBe(7000);
  expect(parseRetryAfter(new Date(10_000 + 4000).toUTCString(), 10_000)).toBe(4000);
  expect(parseRetryAfter('soon')).toBeUndefined();
  expect(contentRangeStart('bytes 100-199/200')).toBe(100);
  expect(contentRangeStart('bytes 0-9/*')).toBe(0);
  expect(contentRangeStart('items 1-2/3')).toBeNull();
});

test('Hub error codes: unknown repo/revision are the user\'s to fix, a missing file is a failed download', () => {
  expect(hubHttpError(401, 'RepoNotFound', 'a/b@main').kind).toBe('argument');
  expect(hubHttpError(404, 'RevisionNotFound', 'a/b@x').kind).toBe('argument');
  expect(hubHttpError(404, 'EntryNotFound', 'unet/model.onnx', 'unet/model.onnx').kind).toBe('download');
  expect(hubHttpError(403, undefined, 'f', 'f').message).toContain('HTTP 403');
});

test('model names safe on NTFS', () => {
  for (const ok of ['sd15', 'LCM_Dreamshaper_v7', 'a.b-c']) expect(checkModelName(ok)).toBe(ok);
  for (const bad of ['', '.hidden', 'a/b', 'a\\b', 'con', 'NUL.txt', 'x.', 'a b']) expect(() => checkModelName(bad)).toThrow(/--name/);
});

test('the catalogue: pinned, sized, licensed, one default; the banner hint names it', () => {
  const aliases = listAliases();
  expect(aliases.filter((a) => a.default)).toHaveLength(1);
  for (const a of aliases) {
    expect(a.commit).toMatch(/^[0-9a-f]{7,40}$/);
    expect(a.bytes).toBeGreaterThan(1e9);
    expect(a.providers.length).toBeGreaterThan(0);
  }
  expect(new Set(aliases.map((a) => a.alias)).size).toBe(aliases.length);
  const sd = aliases.find((a) => a.default)!;
  expect(pullHint()).toContain(`insaneres pull ${sd.alias}`);
});

test('rate and ETA over a window', () => {
  let now = 0;
  const meter = new RateMeter(8000, () => now);
  meter.add(0);
  expect(meter.etaSeconds(100)).toBeNull();
  now = 2000;
  meter.add(2_000_000);
  expect(meter.rate()).toBe(1_000_000);
  expect(meter.etaSeconds(5_000_000)).toBe(5);
  expect(formatDuration(125)).toBe('2m05s');
  expect(formatDuration(3725)).toBe('1h02m');
  expect(formatDuration(null)).toBe('--');
});
