import * as fs from 'fs';
import * as path from 'path';
import { decodePng, encodePng } from '../../../server/src/image/png';
import type { RawImage } from '../../../server/src/engine/types';
import { runCli, runCliInProcess } from '../../helpers/cli';
import { sharedData } from '../../helpers/shared-data';
import { tempDir, tinyModel } from '../../helpers/tiny-model';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const work = tempDir('cli');

function gradient(width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16): RawImage {
  const max = bitDepth === 16 ? 65535 : 255;
  const data = bitDepth === 16 ? new Uint16Array(width * height * channels) : new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      data[i] = math.round((x / (width - 1)) * max);
      data[i + 1] = math.round((y / (height - 1)) * max);
      data[i + 2] = math.round(((x + y) / (width + height - 2)) * max);
      if (channels === 4) data[i + 3] = math.round((((x * 7) ^ (y * 3)) & 255) * (max / 255)); // a patterned alpha
    }
  }
  return { width, height, channels, bitDepth, data };
}

async function writeInput(name: string, image: RawImage): Promise<string> {
  const file = path.join(work, name);
  fs.writeFileSync(file, await encodePng(image));
  return file;
}

async function img2img(input: string, output: string, extra: string[] = [], run = runCli) {
  const model = await tinyModel();
  return run(['img2img', '--model', model, '--input', input, '--output', output, '--prompt', 'eyes, best quality', '--steps', '10', '--strength', '0.3', '--seed', '7', ...extra]);
}

describe('insaneres img2img on the tiny model', () => {
  // The first as a real process; the others through the same main() in this process (a Node start and
  // a TypeScript load less each, on a busy machine seconds apiece).
  it.each([
    ['512×512 RGB', gradient(512, 512, 3, 8), runCli],
    ['200×150 RGB (enlarged to 512 and back)', gradient(200, 150, 3, 8), runCliInProcess],
    ['1000×700 RGB (native, padded to 1024×704)', gradient(1000, 700, 3, 8), runCliInProcess],
    ['300×200 RGBA', gradient(300, 200, 4, 8), runCliInProcess],
    ['256×192 16-bit RGBA', gradient(256, 192, 4, 16), runCliInProcess],
  ] as const)('%s: same size out, alpha and bit depth kept, pixels changed', async (name, image, runner) => {
    const input = await writeInput(`${image.width}x${image.height}-${image.channels}-${image.bitDepth}.png`, image);
    const output = path.join(work, `out-${path.basename(input)}`);
    const run = await img2img(input, output, [], runner);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/seed 7, 3 steps/);
    const out = await decodePng(fs.readFileSync(output));
    expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([image.width, image.height, image.channels, image.bitDepth]);
    if (image.channels === 4) {
      for (let i = 3; i < out.data.length; i += 4) if (out.data[i] !== image.data[i]) throw new Error(`alpha changed at byte ${i}`);
    }
    let changed = 0;
    for (let i = 0; i < out.data.length; i++) if (out.data[i] !== image.data[i]) changed++;
    expect(changed).toBeGreaterThan(out.data.length / 10);
  });

  it('is reproducible: the same seed gives byte-identical files, another seed a different image', async () => {
    const input = await writeInput('seed.png', gradient(128, 96, 3, 8));
    const [a, b, c] = ['a.png', 'b.png', 'c.png'].map((f) => path.join(work, f));
    expect((await img2img(input, a)).code).toBe(0);
    // The repeats run in-process: the same main(), the same files, reproducible across processes too.
    expect((await img2img(input, b, [], runCliInProcess)).code).toBe(0);
    expect((await img2img(input, c, ['--seed', '8'], runCliInProcess)).code).toBe(0);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
    expect(fs.readFileSync(a).equals(fs.readFileSync(c))).toBe(false);
  });

  it('returns the input unchanged when the strength is too small for one step, and says so', async () => {
    const image = gradient(96, 64, 4, 16);
    const input = await writeInput('zero.png', image);
    const output = path.join(work, 'zero-out.png');
    const run = await img2img(input, output, ['--strength', '0.05'], runCliInProcess); // floor(10 × 0.05) = 0 steps
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 steps.*unchanged/);
    expect(Array.from((await decodePng(fs.readFileSync(output))).data)).toEqual(Array.from(image.data));
  });

  const images = sharedData('images');
  (images ? it : it.skip)('refines a real photo and the real 16-bit test image', async () => {
    for (const [name, runner] of [['chelsea.png', runCli], ['derived_vangogh_16bit.png', runCliInProcess]] as const) {
      const output = path.join(work, `real-${name}`);
      const run = await img2img(path.join(images!, name), output, [], runner);
      expect(run.code).toBe(0);
      const a = await decodePng(fs.readFileSync(path.join(images!, name)));
      const b = await decodePng(fs.readFileSync(output));
      expect([b.width, b.height, b.bitDepth]).toEqual([a.width, a.height, a.bitDepth]);
    }
  });
});

describe('insaneres img2img on bad input: exit 2 and one line that names the problem', () => {
  let input: string;
  let model: string;
  let incomplete: string;
  beforeAll(async () => {
    input = await writeInput('ok.png', gradient(64, 64, 3, 8));
    model = await tinyModel();
    incomplete = path.join(work, 'incomplete-model');
    fs.cpSync(model, incomplete, { recursive: true });
    fs.rmSync(path.join(incomplete, 'unet'), { recursive: true });
    fs.writeFileSync(path.join(work, 'not-a-png.png'), 'just text');
  });

  const cases: [string, () => string[], RegExp][] = [
    ['missing input file', () => ['--input', path.join(work, 'nope.png')], /nope\.png does not exist/],
    ['input not a PNG', () => ['--input', path.join(work, 'not-a-png.png')], /not a PNG/],
    ['strength above 1', () => ['--input', input, '--strength', '1.5'], /--strength.*1/],
    ['strength not a number', () => ['--input', input, '--strength', 'lots'], /--strength must be a number/],
    ['steps below 1', () => ['--input', input, '--steps', '0'], /--steps/],
    ['fractional steps', () => ['--input', input, '--steps', '2.5'], /--steps/],
    ['unknown sampler', () => ['--input', input, '--sampler', 'euler_x'], /--sampler: unknown sampler 'euler_x'; accepted: ddim, euler, euler_a, dpmpp_2m, lcm, .*Euler a.*DPM\+\+ 2M Karras/],
    ['unknown schedule type', () => ['--input', input, '--scheduler', 'exponential'], /--scheduler: unknown schedule type 'exponential'; accepted: automatic, uniform, karras/],
    ['unknown device', () => ['--input', input, '--device', 'tpu'], /--device must be one of/],
    ['unknown flag', () => ['--input', input, '--strenght', '0.3'], /strenght/],
    ['model folder incomplete', () => ['--input', input, '--model', incomplete], /lacks unet\/model\.onnx/],
    ['output not .png', () => ['--input', input, '--output', path.join(work, 'x.jpg')], /must end in \.png/],
  ];

  // The first case as a real process (exit code and stderr as a user sees them), the rest in-process.
  it.each(cases.map((c, i) => [...c, i === 0 ? runCli : runCliInProcess] as const))('%s', async (_name, extra, message, run0) => {
    const args = ['img2img', '--model', model, '--output', path.join(work, 'bad.png'), '--prompt', 'x', ...extra()];
    const run = await run0(args);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('a missing --prompt is named', async () => {
    const run = await runCliInProcess(['img2img', '--model', model, '--input', input, '--output', path.join(work, 'bad.png')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--prompt is required/);
  });
});
