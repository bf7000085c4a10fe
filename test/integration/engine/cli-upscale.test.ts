import * as fs from 'fs';
import * as path from 'path';
import { decodePng, encodePng } from '../../../server/src/image/png';
import { runCli, runCliInProcess } from '../../helpers/cli';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tempDir, tinyModel } from '../../helpers/tiny-model';

const work = tempDir('cli-upscale');

describe('insaneres upscale', () => {
  let model: string;
  let input: string;
  beforeAll(async () => {
    model = await tinyModel();
    input = path.join(work, 'in.png');
    const image = syntheticImage(300, 200, (x, y, c) => [x / 300, y / 200, 0.5, 0.8][c], { channels: 4 });
    fs.writeFileSync(input, await encodePng(image));
  });

  it('writes the enlarged, refined PNG and reports tiles and steps on stderr', async () => {
    const output = path.join(work, 'out.png');
    const run = await runCli(['upscale', '--model', model, '--input', input, '--output', output, '--scale', '2', '--tile', '256', '--overlap', '32', '--steps', '10', '--seed', '3']);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/wrote .*out\.png \(600×400, seed 3, 6 tiles of 3 steps/);
    expect(run.stderr).toMatch(/upscale tile 6\/6 step 3\/3/);
    const out = await decodePng(fs.readFileSync(output));
    expect([out.width, out.height, out.channels, out.bitDepth]).toEqual([600, 400, 4, 8]);
  });

  it("runs the 'insane' recipe without colour matching", async () => {
    const output = path.join(work, 'insane.png');
    const run = await runCliInProcess(['upscale', '--model', model, '--input', input, '--output', output, '--recipe', 'insane', '--no-color-match', '--steps', '4']);
    expect(run.code).toBe(0);
    // 300×200 → 768×512 (one tile) → ×2 = 1536×1024 (4 × 3 tiles of 512 with ≥ 64 px overlap).
    expect(run.stdout).toMatch(/\(1536×1024, seed \d+, 13 tiles of 1 steps/);
  });

  const cases: [string, string[], RegExp][] = [
    ['overlap of half a tile', ['--tile', '256', '--overlap', '128'], /--overlap: tileOverlap must be less than half of tileSize \(got 128\)/],
    ['tile not a multiple of 8', ['--tile', '500'], /--tile: .*8.*\(got 500\)/],
    ['scale above 4', ['--scale', '5'], /--scale: .*4.*\(got 5\)/],
    ['unknown recipe', ['--recipe', 'crazy'], /--recipe: unknown recipe 'crazy'; accepted: insane/],
    ['scale not a number', ['--scale', 'big'], /--scale must be a number, got 'big'/],
  ];
  // The img2img CLI test runs a bad-input case as a real process; these share its main() in-process.
  it.each(cases)('exits 2 with one line on bad input: %s', async (_name, extra, message) => {
    const run = await runCliInProcess(['upscale', '--model', model, '--input', input, '--output', path.join(work, 'bad.png'), ...extra]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });
});
