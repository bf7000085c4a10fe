import { DEVICES } from '../runtime/device';

/**
 * `insaneres COMMAND --help` for the commands whose flags are parsed strictly (img2img, upscale,
 * make-tiny-model): their synopsis, as the README's "Command line" section lists it. serve, worker and the
 * hub commands print their own.
 */
export const COMMAND_USAGE: Record<string, string> = {
  img2img: `insaneres img2img --model DIR --input IN.png --output OUT.png --prompt TEXT [--negative TEXT]
                  [--strength 0.3] [--steps 50] [--cfg 7.5] [--seed N] [--sampler ddim] [--scheduler automatic]
                  [--eta N] [--device ${DEVICES.join('|')}] [--threads N] [--no-emphasis] [--fast] [--vae DIR]
                  [--mask MASK.png [--mask-blur 4] [--inpaint-area whole|masked] [--padding 32]
                   [--fill original|latent-noise|latent-nothing|fill] [--invert-mask]]
  Refines one 8- or 16-bit PNG; the output has the input's size and bit depth. --seed -1 picks one.
  --sampler: ddim, euler, euler_a, dpmpp_2m, lcm or A1111's names ("Euler a", "DPM++ 2M Karras").`,
  upscale: `insaneres upscale --model DIR --input IN.png --output OUT.png [--scale 2] [--tile 512] [--overlap 64]
                  [--strength 0.3] [--steps 50] [--cfg 7.5] [--seed N] [--prompt …] [--negative …]
                  [--recipe insane] [--no-color-match] [--sampler ddim] [--scheduler automatic] [--eta N]
                  [--device ${DEVICES.join('|')}] [--threads N] [--no-emphasis] [--fast] [--vae DIR]
  Enlarges a PNG (Lanczos) and re-details it tile by tile with img2img.`,
  'make-tiny-model': `insaneres make-tiny-model DIR [--inpainting | --full-size] [--lcm] [--taesd]
  Writes a random-weight model in the real ONNX folder layout (tests, demos, benchmarks).
  --full-size: the real SD 1.5 architecture (4.1 GB); --lcm: an LCM-distilled UNet; --taesd: tiny VAE parts.`,
};

export function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
