import * as fs from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { decodePng, encodePng } from '../../../server/src/image/png';
import { runCli } from '../../helpers/cli';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tempDir, tinyModel } from '../../helpers/tiny-model';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

const work = tempDir('cli-inpaint');
const SIZE = 80;
const inDisc = (x: number, y: number) => (x - 30) ** 2 + (y - 30) ** 2 <= 64;

let input: string;
let discMask: string;
beforeAll(async () => {
  input = path.join(work, 'in.png');
  const picture = syntheticImage(SIZE, SIZE, (x, y, c) => 0.5 + 0.4 * math.sin(x * 0.8 + c) * math.cos(y * 0.6), { channels: 4 });
  fs.writeFileSync(input, await encodePng(picture));
  // A greyscale PNG (colour type 0): white disc on black.
  discMask = path.join(work, 'disc.png');
  const grey = Buffer.alloc(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) grey[y * SIZE + x] = inDisc(x, y) ? 255 : 0;
  await sharp(grey, { raw: { width: SIZE, height: SIZE, channels: 1 } }).toColourspace('b-w').png().toFile(discMask);
});

async function inpaint(output: string, extra: string[]) {
  const model = await tinyModel();
  return runCli(['img2img', '--model', model, '--input', input, '--output', output, '--prompt', 'eyes', '--steps', '4', '--strength', '0.75', '--seed', '3', ...extra]);
}

describe('insaneres img2img --mask', () => {
  it('repaints the disc and keeps every pixel beyond the blur (--mask-blur 2: reach 5 px)', async () => {
    const output = path.join(work, 'disc-out.png');
    const run = await inpaint(output, ['--mask', discMask, '--mask-blur', '2', '--inpaint-area', 'masked', '--padding', '16', '--fill', 'fill']);
    expect(run.stderr).not.toMatch(/failed/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/seed 3, 3 steps/);
    const before = await decodePng(fs.readFileSync(input));
    const after = await decodePng(fs.readFileSync(output));
    let inside = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const near = (x - 30) ** 2 + (y - 30) ** 2 <= (8 + 5 * math.SQRT2 + 1) ** 2;
        const i = (y * SIZE + x) * 4;
        const same = [0, 1, 2, 3].every((c) => after.data[i + c] === before.data[i + c]);
        if (!near && !same) throw new Error(`pixel (${x}, ${y}) beyond the blur changed`);
        if (inDisc(x, y) && !same) inside++;
      }
    }
    expect(inside).toBeGreaterThan(150);
  });

  it('an all-black mask writes the input unchanged and says so', async () => {
    const black = path.join(work, 'black.png');
    await sharp(Buffer.alloc(SIZE * SIZE * 3), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toFile(black);
    const output = path.join(work, 'black-out.png');
    const run = await inpaint(output, ['--mask', black]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 steps.*the mask is empty/);
    const before = await decodePng(fs.readFileSync(input));
    const after = await decodePng(fs.readFileSync(output));
    expect(Buffer.from(after.data.buffer).equals(Buffer.from(before.data.buffer))).toBe(true);
  });

  it.each([
    ['a mask of another size', async () => ['--mask', await sized(40, 80)], /^insaneres img2img: --mask: the mask is 40×80 px but the input is 80×80 px/],
    ['an unknown fill', async () => ['--mask', discMask, '--fill', 'blur'], /^insaneres img2img: --fill: .*latent-noise/],
    ['a blur past 64', async () => ['--mask', discMask, '--mask-blur', '100'], /^insaneres img2img: --mask-blur: /],
    ['padding with the whole picture', async () => ['--mask', discMask, '--inpaint-area', 'whole', '--padding', '8'], /^insaneres img2img: --padding: padding applies only with inpaintArea "masked"/],
    ['an inpaint flag without a mask', async () => ['--fill', 'fill'], /^insaneres img2img: --fill: fill applies only when inpainting: give --mask too/],
    ['a missing mask file', async () => ['--mask', path.join(work, 'nope.png')], /^insaneres img2img: --mask .*nope\.png does not exist/],
  ])('%s: exit 2 with one line', async (_name, flags, message) => {
    const run = await inpaint(path.join(work, 'never.png'), await flags());
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });
});

async function sized(width: number, height: number): Promise<string> {
  const file = path.join(work, `mask-${width}x${height}.png`);
  await sharp(Buffer.alloc(width * height * 3, 255), { raw: { width, height, channels: 3 } }).png().toFile(file);
  return file;
}
