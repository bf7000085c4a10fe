/**
 * A miniature SD UNet: sample [B,4,h,w], timestep, encoder_hidden_states [B,S,D] → out_sample [B,4,h,w].
 * conv_in → N ResNet blocks (GroupNorm, SiLU, Conv 3×3, timestep-embedding bias) → cross-attention to the text
 * → GroupNorm, SiLU, conv_out, added (small) to a crude but real denoiser: ε̂ = (x_t − blur(x_t)) / √(1 − ᾱ_t).
 * For x_t = √ᾱ·x0 + √(1−ᾱ)·ε with a smooth x0, blur(x_t) ≈ √ᾱ·x0, so DDIM's x0 prediction becomes
 * blur(x_t)/√ᾱ: img2img then gives back a softened version of its input, as a real model gives back a
 * plausible image. Tests can see seams, colour shifts and misplacement in the results instead of noise.
 */
import { attr, GraphBuilder } from '../../server/src/onnx/graph-builder';
import { Dim, ModelProto } from '../../server/src/onnx/proto-writer';
import { floatInput, floatOutput, Layers, toFloat32 } from './layers';
import { dimsFor, NORM_GROUPS, ResolvedOptions, TimestepVariant } from './options';
import { prngFor } from './prng';
import { MAX_TOKENS } from './text-encoder';

const LATENT_CHANNELS = 4;
/** Inpainting UNets: latents (4) ‖ mask (1) ‖ masked-image latents (4). */
const INPAINT_INPUT_CHANNELS = 9;
const PRODUCER = 'insaneres-tiny-model';
/** Weight of the random network on top of the denoiser: enough that prompt, timestep and CFG matter. */
const NETWORK_WEIGHT = 0.1;
/** Box blur (latent pixels) that separates smooth content from the noise. */
const DENOISE_KERNEL = 5;

/** SD 1.5's ᾱ_t (scaled_linear betas 0.00085 → 0.012 over 1000 steps) as 1/√(1 − ᾱ_t), one entry per t. */
function inverseNoiseStd(): number[] {
  const steps = 1000;
  const start = Math.sqrt(0.00085);
  const end = Math.sqrt(0.012);
  let alphaCumprod = 1;
  return Array.from({ length: steps }, (_, t) => {
    const beta = (start + ((end - start) * t) / (steps - 1)) ** 2;
    alphaCumprod *= 1 - beta;
    return 1 / Math.sqrt(1 - alphaCumprod);
  });
}

export function buildUnet(options: ResolvedOptions): ModelProto {
  const g = new GraphBuilder('unet');
  const nn = new Layers(g, prngFor(options.seed, 'unet'));
  const channels = options.unetChannels;
  const timeChannels = 4 * channels; // diffusers: time_embed_dim = 4 × block_out_channels[0]
  const dims = dimsFor(options.staticShape, 'unet');
  const latentShape = [dims.batch, LATENT_CHANNELS, dims.height, dims.width];
  const inputChannels = options.inpainting ? INPAINT_INPUT_CHANNELS : LATENT_CHANNELS;
  const sequence = options.staticShape ? MAX_TOKENS : 'sequence';

  const input = floatInput(g, 'sample', [dims.batch, inputChannels, dims.height, dims.width], options.precision);
  // The denoiser works on the latents: the first 4 channels (all of them for an ordinary UNet).
  const sample = options.inpainting
    ? g.op('Slice', [input, g.constInt64([0]), g.constInt64([LATENT_CHANNELS]), g.constInt64([1])])
    : input;
  const timestep = timestepInput(g, options.timestep, options.staticShape ? dims.batch : 'steps');
  const context = floatInput(g, 'encoder_hidden_states', [dims.batch, sequence, options.textHiddenSize], options.precision);

  const timestepCond =
    options.timestepCondDim > 0 ? floatInput(g, 'timestep_cond', [dims.batch, options.timestepCondDim], options.precision) : null;
  const embedding = timestepEmbedding(nn, timestep, channels, timeChannels, timestepCond, options.timestepCondDim);
  let hidden = nn.conv2d(input, 'conv_in', inputChannels, channels);
  for (let block = 0; block < options.unetBlocks; block++) {
    hidden = resnetBlock(nn, hidden, embedding, `resnets.${block}`, channels, timeChannels);
  }
  hidden = crossAttention(nn, hidden, context, 'attentions.0', channels, options.textHiddenSize);
  const activated = nn.silu(nn.groupNorm(hidden, 'conv_norm_out', channels, NORM_GROUPS));
  const network = nn.conv2d(activated, 'conv_out', channels, LATENT_CHANNELS);

  const outSample = nn.add(denoiser(g, sample, timestep) /* sample is float32 here: floatInput casts fp16 */, nn.scale(network, NETWORK_WEIGHT));
  const output = options.failAtRun ? g.op('Reshape', [outSample, g.constInt64([1, 4, 3, 3])]) : outSample;
  floatOutput(g, output, 'out_sample', latentShape, options.precision);
  return g.toModel(PRODUCER);
}

/** ε̂ = (x − blur(x)) · 1/√(1 − ᾱ_t), with the factor looked up by the (integer) timestep. */
function denoiser(g: GraphBuilder, sample: string, timestep: string): string {
  const pad = (DENOISE_KERNEL - 1) / 2;
  const blurred = g.op('AveragePool', [sample], {
    kernel_shape: attr.ints([DENOISE_KERNEL, DENOISE_KERNEL]),
    pads: attr.ints([pad, pad, pad, pad]),
    strides: attr.ints([1, 1]),
    count_include_pad: attr.int(0),
  });
  const index = g.op('Cast', [g.op('Round', [timestep])], { to: attr.int(7) }); // [N,1] int64
  const clamped = g.op('Clip', [index, g.constInt64([0], []), g.constInt64([999], [])]);
  const factor = g.op('Gather', [g.constFloat(inverseNoiseStd(), [1000]), clamped]); // [N,1]
  const perSample = g.op('Unsqueeze', [factor, g.constInt64([2, 3])]); // [N,1,1,1]
  return g.op('Mul', [g.op('Sub', [sample, blurred]), perSample]);
}

/** Declares the timestep input in the requested variant and returns it as float32 [N, 1] (N = 1 or batch). */
function timestepInput(g: GraphBuilder, variant: TimestepVariant, batch: Dim): string {
  let asFloat: string;
  switch (variant) {
    case 'int64':
      asFloat = toFloat32(g, g.input('timestep', 'int64', [batch]));
      break;
    case 'float16':
      asFloat = toFloat32(g, g.input('timestep', 'float16', [batch]));
      break;
    case 'float32':
      asFloat = g.input('timestep', 'float32', [batch]);
      break;
    case 'float32-scalar':
      asFloat = g.input('timestep', 'float32', []);
      break;
  }
  return g.op('Reshape', [asFloat, g.constInt64([-1, 1])]);
}

/**
 * diffusers' get_timestep_embedding (flip_sin_to_cos, shift 0): [cos(t·f), sin(t·f)] with f_i = 10000^(-i/half),
 * then TimestepEmbedding: Linear → SiLU → Linear. With a `timestep_cond` (LCM-distilled UNets), its
 * projection `cond_proj` is added to the sinusoids first, as diffusers' TimestepEmbedding does.
 */
function timestepEmbedding(nn: Layers, timestep: string, channels: number, timeChannels: number, condition: string | null, conditionDim: number): string {
  const g = nn.g;
  const half = channels / 2;
  const frequencies = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const phases = g.op('Mul', [timestep, g.constFloat(frequencies, [1, half])]);
  let sinusoids = g.op('Concat', [g.op('Cos', [phases]), g.op('Sin', [phases])], { axis: attr.int(1) });
  if (condition !== null) sinusoids = nn.add(sinusoids, nn.linear(condition, 'time_embedding.cond_proj', conditionDim, channels, { gain: 3 }));
  const projected = nn.linear(sinusoids, 'time_embedding.linear_1', channels, timeChannels);
  return nn.linear(nn.silu(projected), 'time_embedding.linear_2', timeChannels, timeChannels);
}

/** diffusers' ResnetBlock2D: x + conv2(silu(norm2(conv1(silu(norm1(x))) + time_proj(silu(temb))))). */
function resnetBlock(
  nn: Layers,
  x: string,
  embedding: string,
  name: string,
  channels: number,
  timeChannels: number,
): string {
  const g = nn.g;
  let h = nn.conv2d(nn.silu(nn.groupNorm(x, `${name}.norm1`, channels, NORM_GROUPS)), `${name}.conv1`, channels, channels);
  const timeBias = nn.linear(nn.silu(embedding), `${name}.time_emb_proj`, timeChannels, channels, { gain: 3 });
  h = nn.add(h, g.op('Unsqueeze', [timeBias, g.constInt64([2, 3])])); // [N,C] → [N,C,1,1]
  h = nn.conv2d(nn.silu(nn.groupNorm(h, `${name}.norm2`, channels, NORM_GROUPS)), `${name}.conv2`, channels, channels);
  return nn.add(x, h);
}

/** Image tokens (queries) attend to the text encoder's hidden states (keys/values); residual add. */
function crossAttention(nn: Layers, x: string, context: string, name: string, channels: number, textWidth: number): string {
  const tokens = nn.toTokens(nn.groupNorm(x, `${name}.norm`, channels, NORM_GROUPS), channels);
  const attended = nn.attention(tokens, context, `${name}.attn2`, { query: channels, context: textWidth, inner: channels });
  return nn.add(x, nn.fromTokens(attended, x));
}
