/**
 * `insaneres pull | models | verify | remove` as a user runs them (real processes), against the loopback
 * Hub serving the tiny model: a pulled model runs img2img, and the exit codes follow the contract.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodePng } from '../../../server/src/image/png';
import { runCli, runCliInProcess } from '../../helpers/cli';
import { FAKE_REPO, repoFromFolder, startFakeHub, type FakeHub } from '../../helpers/fake-hub';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tempDir, tinyModel } from '../../helpers/tiny-model';

let hub: FakeHub;

// No HF_TOKEN from the developer's shell, and never the real Hub.
const HUB_ENV: NodeJS.ProcessEnv = { HF_TOKEN: '', HTTP_PROXY: '', HTTPS_PROXY: '', http_proxy: '', https_proxy: '' };

function cli(args: string[]) {
  return runCli(args, { env: { ...HUB_ENV, HF_ENDPOINT: hub.endpoint } });
}

beforeAll(async () => {
  const source = await tinyModel();
  hub = await startFakeHub(repoFromFolder(source, [{ path: 'unet/diffusion_pytorch_model.safetensors', content: Buffer.alloc(8192, 5), lfs: true }]));
});
afterAll(() => hub.close());

test('pull, models, img2img with the pulled model, verify (and --repair), remove', async () => {
  const modelsDir = tempDir('hub-cli');
  const pulled = await cli(['pull', FAKE_REPO, '--models-dir', modelsDir, '--name', 'tiny']);
  expect(pulled.stderr).not.toMatch(/failed/);
  expect(pulled.code).toBe(0);
  expect(pulled.stdout).toMatch(/^pulled tiny-org\/tiny-sd-onnx@c0ffee000000 into .*tiny: \d+ files/);
  // Not a terminal: plain progress lines naming the files.
  expect(pulled.stderr).toMatch(/file \d+\/\d+: unet\/model\.onnx/);
  expect(hub.requests.some((r) => r.path.includes('diffusion_pytorch_model'))).toBe(false);

  const listed = await cli(['models', '--models-dir', modelsDir]);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^NAME\s+SIZE\s+SOURCE\s+VERIFIED\ntiny\s+\S+ \S+\s+tiny-org\/tiny-sd-onnx@c0ffee000000\s+yes/);

  const work = tempDir('hub-cli-img');
  const input = path.join(work, 'in.png');
  fs.writeFileSync(input, await encodePng(syntheticImage(96, 64, (x, y, c) => ((x + y + c * 20) % 64) / 64)));
  const output = path.join(work, 'out.png');
  const refined = await cli(['img2img', '--model', path.join(modelsDir, 'tiny'), '--input', input, '--output', output, '--prompt', 'eyes', '--steps', '4', '--strength', '0.5', '--seed', '1']);
  expect(refined.stderr).not.toMatch(/failed/);
  expect(refined.code).toBe(0);
  expect(fs.statSync(output).size).toBeGreaterThan(0);

  const victim = path.join(modelsDir, 'tiny', 'vae_decoder', 'model.onnx');
  const bytes = fs.readFileSync(victim);
  bytes[bytes.length - 5] ^= 0x40;
  fs.writeFileSync(victim, bytes);
  const bad = await cli(['verify', 'tiny', '--models-dir', modelsDir]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/vae_decoder\/model\.onnx: SHA-256/);
  expect(bad.stderr.trim().split('\n').pop()).toMatch(/1 bad file\(s\): vae_decoder\/model\.onnx; run insaneres verify tiny --repair/);
  const repaired = await cli(['verify', 'tiny', '--models-dir', modelsDir, '--repair']);
  expect(repaired.code).toBe(0);
  expect(repaired.stdout).toMatch(/repaired 1 of \d+ files/);
  expect((await cli(['verify', 'tiny', '--models-dir', modelsDir])).code).toBe(0);

  const removed = await cli(['remove', 'tiny', '--models-dir', modelsDir]);
  expect(removed.code).toBe(0);
  expect(fs.existsSync(path.join(modelsDir, 'tiny'))).toBe(false);
  expect((await cli(['models', '--models-dir', modelsDir])).stdout).toMatch(/^no models in/);
});

test('bad arguments and unknown repos exit 2 with one line; a corrupt download exits 1 naming the file', async () => {
  const modelsDir = tempDir('hub-cli');
  // The first as a real process (the bin passes the code on); the rest through the same main() in this
  // process, which saves a Node start and a TypeScript load for each.
  const first = await cli(['pull', 'nobody/nothing', '--models-dir', modelsDir]);
  expect(first.code).toBe(2);
  expect(first.stderr.trim().split('\n')).toHaveLength(1);
  const env = { ...HUB_ENV, HF_ENDPOINT: hub.endpoint };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    for (const args of [['pull', `${FAKE_REPO}@nope`], ['pull'], ['pull', FAKE_REPO, '--frobnicate'], ['verify', 'ghost'], ['remove', 'ghost']]) {
      const run = await runCliInProcess([...args, '--models-dir', modelsDir]);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  hub.corrupt.add('text_encoder/model.onnx');
  try {
    const run = await cli(['pull', FAKE_REPO, '--models-dir', modelsDir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').pop()).toMatch(/^insaneres pull failed: text_encoder\/model\.onnx: SHA-256 .* does not match/);
  } finally {
    hub.corrupt.clear();
  }
});
