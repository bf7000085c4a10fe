/**
 * DPM++ 2M (k-diffusion `sample_dpmpp_2m`; Lu et al., "DPM-Solver++", arXiv 2211.01095, algorithm 2),
 * in log-SNR time t = −log σ, h = t_{i+1} − t_i:
 *   first call, or σ_{i+1} = 0:  x ← (σ_{i+1}/σ_i)·x − (e^{−h} − 1)·x̂₀_i
 *   otherwise, r = h_last/h:     D = (1 + 1/(2r))·x̂₀_i − (1/(2r))·x̂₀_{i−1};  x ← (σ_{i+1}/σ_i)·x − (e^{−h} − 1)·D
 * The history (x̂₀_{i−1}) starts empty at the first call of the img2img tail, and the final step (to σ = 0,
 * where −(e^{−h} − 1) = 1) is first order: x ← x̂₀.
 */
import type { SamplerId } from '../../../shared/src/samplers';
import { KDiffusionSampler } from './k-diffusion';
import { reuse } from './sampler';

export class DPMPP2MSampler extends KDiffusionSampler {
  readonly id: SamplerId = 'dpmpp_2m';
  /** x̂₀ of the previous call, copied: the array `denoised` arrives in is written over by the next call. */
  private oldDenoised: Float32Array | null = null;
  private hasOld = false;

  step(x: Float32Array, denoised: Float32Array, index: number): Float32Array {
    // One sampler may run several tiles: each tile's run starts at call 0 with no history.
    if (index === 0) this.hasOld = false;
    const sigma = this.sigmas[index];
    const sigmaNext = this.sigmas[index + 1];
    const out = (this.stepOut = reuse(this.stepOut, x.length));
    if (sigmaNext === 0) {
      out.set(denoised);
    } else {
      const t = -Math.log(sigma);
      const tNext = -Math.log(sigmaNext);
      const h = tNext - t;
      const ratio = sigmaNext / sigma;
      const factor = -Math.expm1(-h);
      const old = this.hasOld ? this.oldDenoised : null;
      if (old === null) {
        for (let i = 0; i < x.length; i++) out[i] = ratio * x[i] + factor * denoised[i];
      } else {
        const hLast = t + Math.log(this.sigmas[index - 1]);
        const r = hLast / h;
        const wNew = 1 + 1 / (2 * r);
        const wOld = 1 / (2 * r);
        for (let i = 0; i < x.length; i++) out[i] = ratio * x[i] + factor * (wNew * denoised[i] - wOld * old[i]);
      }
    }
    this.oldDenoised = reuse(this.oldDenoised, denoised.length);
    this.oldDenoised.set(denoised);
    this.hasOld = true;
    return out;
  }
}
