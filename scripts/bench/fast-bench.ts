/**
 * Fast-mode benchmark (issue 14, goal 7): one 512² img2img as the panel runs it with Fast on — LCM at 4 steps
 * on an LCM-distilled UNet (guidance as timestep_cond, no CFG batch), TAESD encoder and decoder — on the full-size
 * SD 1.5-architecture model's LCM variant. Reports the model load, the first job after it and a warm job,
 * with the time in each stage. Target: the warm job ≤ 60 s on this 2-core CPU machine.
 */
import * as os from 'os';
import { IMG2IMG_DEFAULTS } from '../../shared/src/defaults';
import { createEngine } from '../../server/src/engine/engine';
import type { Img2ImgParams, JobOutput, RawImage } from '../../server/src/engine/types';
import { decodePng } from '../../server/src/image/png';

export const FAST_TARGET_SECONDS = 60;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2).padStart(8)} s`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

function stageRows(output: JobOutput): [string, number][] {
  const t = output.timings;
  return [
    ['  text encoder', t.textEncoder ?? 0],
    [`  VAE encode (${output.encoder ?? '?'})`, t.vaeEncode ?? 0],
    [`  UNet (${output.stepsRun} steps)`, t.unet ?? 0],
    ['    per step', (t.unet ?? 0) / Math.max(1, output.stepsRun)],
    [`  VAE decode (${output.decoder ?? '?'})`, t.vaeDecode ?? 0],
    ['  rest (conversion, scheduler, preview)', (t.total ?? 0) - (t.textEncoder ?? 0) - (t.vaeEncode ?? 0) - (t.unet ?? 0) - (t.vaeDecode ?? 0)],
  ];
}

export async function fastBench(modelDir: string, label: string, png: Buffer): Promise<{ ok: boolean; warmSeconds: number }> {
  console.log(`\n## Fast mode: 512² img2img, LCM 4 steps + TAESD (${label}; CPU, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
  const engine = await createEngine({ device: 'cpu' });
  try {
    const [info, loadMs] = await timed(() => engine.loadModel(modelDir));
    if (!info.fast?.available || !info.fast.tinyDecoder) {
      console.log(`fast mode unavailable on ${info.name}: ${info.fast?.reason ?? 'no tiny decoder'} MISSED`);
      return { ok: false, warmSeconds: Infinity };
    }
    const image = (await decodePng(png)) as RawImage;
    // The panel's defaults, with Fast on (its steps and sampler are then LCM's 4).
    const params: Img2ImgParams = {
      prompt: 'masterpiece, best quality, eyes', negativePrompt: 'blurry', strength: IMG2IMG_DEFAULTS.strength, steps: IMG2IMG_DEFAULTS.steps,
      guidanceScale: IMG2IMG_DEFAULTS.guidanceScale, seed: 1234, sampler: 'ddim', emphasis: true, fast: true,
    };
    const [first, firstMs] = await timed(() => engine.img2img(image, params));
    const [warm, warmMs] = await timed(() => engine.img2img(image, params));
    console.log(`${'model load (sessions created)'.padEnd(42)}${seconds(loadMs)}`);
    console.log(`${'first job after load'.padEnd(42)}${seconds(firstMs)}`);
    console.log(`${'warm job'.padEnd(42)}${seconds(warmMs)}`);
    for (const [name, ms] of stageRows(warm)) console.log(`${name.padEnd(42)}${seconds(ms)}`);
    const ok = warmMs / 1000 <= FAST_TARGET_SECONDS && warm.stepsRun === 4 && warm.decoder === 'vae_decoder_tiny' && warm.encoder === 'vae_encoder_tiny' && first.stepsRun === 4;
    console.log(`fast 512² job (warm): ${(warmMs / 1000).toFixed(1)} s, ${warm.stepsRun} steps, encoder ${warm.encoder}, decoder ${warm.decoder} (target ≤ ${FAST_TARGET_SECONDS} s) ${ok ? 'OK' : 'MISSED'}`);
    return { ok, warmSeconds: warmMs / 1000 };
  } finally {
    await engine.close();
  }
}
