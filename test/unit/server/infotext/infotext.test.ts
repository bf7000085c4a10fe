/** Infotext as A1111 1.10 writes and reads it (infotext_utils.py, processing.create_infotext). */
import { formatInfotext, parseInfotext, quote, unquote } from '../../../../server/src/infotext/infotext';
import { infotextFor } from '../../../../server/src/infotext/job-infotext';
import { img2imgParamsSchema, upscaleParamsSchema } from '../../../../shared/src';

// The example in the docstring of A1111's parse_generation_parameters.
const A1111_EXAMPLE = [
  "girl with an artist's beret, determined, blue eyes, desert scene, ((eyeshadow)), (coquettish), detailed, intricate",
  'Negative prompt: ugly, fat, (((deformed))), [blurry], bad anatomy, (poorly drawn hands), messy drawing',
  'Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x768, Model hash: 45dee52b',
].join('\n');

describe('parseInfotext', () => {
  it('reads the prompt, the negative prompt and every field of A1111\'s own example', () => {
    const parsed = parseInfotext(A1111_EXAMPLE);
    expect(parsed).toMatchObject({
      Prompt: "girl with an artist's beret, determined, blue eyes, desert scene, ((eyeshadow)), (coquettish), detailed, intricate",
      'Negative prompt': 'ugly, fat, (((deformed))), [blurry], bad anatomy, (poorly drawn hands), messy drawing',
      Steps: '20', Sampler: 'Euler a', 'CFG scale': '7', Seed: '965400086', 'Size-1': '512', 'Size-2': '768', 'Model hash': '45dee52b',
    });
    // Fields A1111 fills in when an infotext leaves them out.
    expect(parsed).toMatchObject({ 'Clip skip': '1', 'Schedule type': 'Automatic', RNG: 'GPU', 'Masked area padding': 32 });
    expect(parsed).not.toHaveProperty('Size');
  });

  it('unquotes JSON-quoted values that hold commas and colons', () => {
    const parsed = parseInfotext('a cat\nSteps: 5, Lora hashes: "add_detail: 7c6bad76eb54, x: 1", Sampler: DPM++ 2M, Schedule type: Karras');
    expect(parsed['Lora hashes']).toBe('add_detail: 7c6bad76eb54, x: 1');
    expect(parsed.Sampler).toBe('DPM++ 2M');
    expect(parsed['Schedule type']).toBe('Karras');
  });

  it('treats a last line with fewer than three fields as prompt text, and keeps multi-line prompts', () => {
    const parsed = parseInfotext('line one\nline two: with a colon\nNegative prompt: bad\nworse');
    expect(parsed.Prompt).toBe('line one\nline two: with a colon');
    expect(parsed['Negative prompt']).toBe('bad\nworse');
    expect(parsed).not.toHaveProperty('line two');
  });

  it('reads an empty text as an empty prompt with the defaults', () => {
    expect(parseInfotext('')).toMatchObject({ Prompt: '', 'Negative prompt': '', 'Clip skip': '1' });
  });
});

describe('formatInfotext', () => {
  it('writes A1111\'s layout: prompt, Negative prompt line, then "Key: value" pairs, quoting when needed', () => {
    const text = formatInfotext({
      prompt: 'a (red:1.2) apple',
      negativePrompt: 'blurry',
      params: [['Steps', 20], ['Sampler', 'DDIM'], ['Skipped', null], ['Model', 'my, model: v2'], ['Tiling', true]],
    });
    expect(text).toBe('a (red:1.2) apple\nNegative prompt: blurry\nSteps: 20, Sampler: DDIM, Model: "my, model: v2", Tiling: True');
  });

  it('leaves the Negative prompt line out when there is none', () => {
    expect(formatInfotext({ prompt: 'p', negativePrompt: '', params: [['Steps', 1]] })).toBe('p\nSteps: 1');
  });

  it('round-trips through parseInfotext, non-ASCII and quotes included', () => {
    const model = 'モデル "v1", final';
    const text = formatInfotext({ prompt: 'café, 日本', negativePrompt: 'ugly', params: [['Steps', 7], ['Seed', 42], ['Size', '96x64'], ['Model', model]] });
    expect(parseInfotext(text)).toMatchObject({ Prompt: 'café, 日本', 'Negative prompt': 'ugly', Steps: '7', Seed: '42', 'Size-1': '96', 'Size-2': '64', Model: model });
  });

  it('quote and unquote follow infotext_utils (json.dumps with ensure_ascii=False)', () => {
    expect(quote('plain')).toBe('plain');
    expect(quote('a,b')).toBe('"a,b"');
    expect(quote('é: "x"')).toBe('"é: \\"x\\""');
    expect(unquote('"a,b"')).toBe('a,b');
    expect(unquote('"broken')).toBe('"broken');
  });
});

describe('infotextFor (our results)', () => {
  const base = { seed: 1234, model: 'sd15', width: 96, height: 64 };

  it('writes an img2img the way A1111 writes one', () => {
    const params = img2imgParamsSchema.parse({ prompt: 'skin', negativePrompt: 'plastic', steps: 30, guidanceScale: 12, strength: 0.3 });
    expect(infotextFor({ ...base, kind: 'img2img', params })).toBe(
      'skin\nNegative prompt: plastic\nSteps: 30, Sampler: DDIM, CFG scale: 12, Seed: 1234, Size: 96x64, Model: sd15, Denoising strength: 0.3',
    );
  });

  it('leaves out the denoising strength when generating from noise, and says when emphasis was off and eta set', () => {
    const params = img2imgParamsSchema.parse({ prompt: 'p', init: 'noise', emphasis: false, eta: 0.5, steps: 3 });
    const text = infotextFor({ ...base, kind: 'img2img', params });
    expect(text).toBe('p\nSteps: 3, Sampler: DDIM, CFG scale: 7.5, Seed: 1234, Size: 96x64, Model: sd15, Eta DDIM: 0.5, Emphasis: None');
  });

  it('adds the SD upscale fields to an upscale', () => {
    const params = upscaleParamsSchema.parse({ tileOverlap: 32 });
    const parsed = parseInfotext(infotextFor({ ...base, kind: 'upscale', params }));
    expect(parsed).toMatchObject({ 'SD upscale overlap': '32', 'SD upscale upscaler': 'Lanczos', 'Denoising strength': '0.3', Steps: '50' });
  });
});

describe('infotextFor with the A1111 samplers', () => {
  const base = { seed: 9, model: 'm', width: 64, height: 64 };
  it('names the sampler and the schedule it resolved, and η only when it is not the default', () => {
    const karras = img2imgParamsSchema.parse({ sampler: 'DPM++ 2M Karras', steps: 4 });
    expect(parseInfotext(infotextFor({ ...base, kind: 'img2img', params: karras }))).toMatchObject({ Sampler: 'DPM++ 2M', 'Schedule type': 'Karras' });
    const eulerA = img2imgParamsSchema.parse({ sampler: 'euler_a', eta: 0.5 });
    expect(parseInfotext(infotextFor({ ...base, kind: 'img2img', params: eulerA }))).toMatchObject({ Sampler: 'Euler a', 'Schedule type': 'Uniform', Eta: '0.5' });
    const eulerADefault = parseInfotext(infotextFor({ ...base, kind: 'img2img', params: img2imgParamsSchema.parse({ sampler: 'Euler a' }) }));
    expect(eulerADefault).not.toHaveProperty('Eta');
  });
});

describe('infotextFor an inpaint', () => {
  it('writes A1111\'s inpaint fields, leaving out those equal to what its parser assumes when missing', () => {
    const base = { seed: 3, model: 'm', width: 64, height: 64, kind: 'img2img' as const };
    const masked = img2imgParamsSchema.parse({ mask: 'm1', maskBlur: 8, inpaintArea: 'masked', padding: 40, fill: 'latent-noise', invertMask: true });
    expect(parseInfotext(infotextFor({ ...base, params: masked }))).toMatchObject({
      'Mask blur': '8', 'Mask mode': 'Inpaint not masked', 'Masked content': 'latent noise', 'Inpaint area': 'Only masked', 'Masked area padding': '40',
    });
    const whole = parseInfotext(infotextFor({ ...base, params: img2imgParamsSchema.parse({ mask: 'm1', inpaintArea: 'whole', maskBlur: 0 }) }));
    // Absent fields read back as A1111's defaults: whole picture, original content, inpaint masked.
    expect(whole).toMatchObject({ 'Inpaint area': 'Whole picture', 'Masked content': 'original', 'Mask mode': 'Inpaint masked' });
    expect(whole).not.toHaveProperty('Mask blur');
    expect(parseInfotext(infotextFor({ ...base, params: img2imgParamsSchema.parse({}) }))).not.toHaveProperty('Mask blur');
  });
});
