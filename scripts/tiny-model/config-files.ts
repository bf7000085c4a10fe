/** The JSON configs of a diffusers ONNX pipeline folder, with SD 1.5's values. */
import { LATENT_SCALE } from './vae';

/** Marks the folder as the random-weight demo model, so the server can say its images are meaningless. */
export const TINY_MODEL_MARKER = 'insaneres_tiny';

/** diffusers' OnnxStableDiffusionPipeline index (as in runwayml/stable-diffusion-v1-5, branch onnx), no safety checker. */
export function modelIndex(): Record<string, unknown> {
  return {
    _class_name: 'OnnxStableDiffusionPipeline',
    _diffusers_version: '0.6.0',
    feature_extractor: [null, null],
    requires_safety_checker: false,
    safety_checker: [null, null],
    scheduler: ['diffusers', 'PNDMScheduler'],
    text_encoder: ['diffusers', 'OnnxRuntimeModel'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    unet: ['diffusers', 'OnnxRuntimeModel'],
    vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
    vae_encoder: ['diffusers', 'OnnxRuntimeModel'],
    [TINY_MODEL_MARKER]: true,
  };
}

/** SD 1.5's scheduler_config.json (main branch), with the keys newer diffusers add spelled out. */
export function schedulerConfig(): Record<string, unknown> {
  return {
    _class_name: 'PNDMScheduler',
    _diffusers_version: '0.6.0',
    beta_end: 0.012,
    beta_schedule: 'scaled_linear',
    beta_start: 0.00085,
    clip_sample: false,
    num_train_timesteps: 1000,
    prediction_type: 'epsilon',
    set_alpha_to_one: false,
    skip_prk_steps: true,
    steps_offset: 1,
    timestep_spacing: 'leading',
    trained_betas: null,
  };
}

/** The part of AutoencoderKL's config.json a pipeline reads (optimum writes one beside each VAE model). */
export function vaeConfig(): Record<string, unknown> {
  return {
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    latent_channels: 4,
    out_channels: 3,
    sample_size: 512,
    scaling_factor: LATENT_SCALE,
  };
}
