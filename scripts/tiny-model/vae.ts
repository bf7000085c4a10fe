/**
 * A VAE pair that is an approximate autoencoder, so tiny-model results resemble their input:
 *   encode: 8×8 average pool → fixed RGB→4-channel colour map (+ a small random Conv/GroupNorm/SiLU branch) ÷ 0.18215
 *   decode: × 0.18215 → the colour map's pseudo-inverse (+ a small random branch) → linear resize ×8
 * The pipeline scales latents by 0.18215 after encoding and divides before decoding, so decode(encode(x)) is a
 * blurred x plus a little noise.
 */
import { attr, GraphBuilder, makeTensor } from '../../server/src/onnx/graph-builder';
import { ModelProto } from '../../server/src/onnx/proto-writer';
import { floatInput, floatOutput, Layers } from './layers';
import { dimsFor, NORM_GROUPS, ResolvedOptions } from './options';
import { prngFor } from './prng';
import { buildTaesdDecoder, buildTaesdEncoder, TaesdShape, TaesdWeights } from './taesd';

export const LATENT_SCALE = 0.18215;
const LATENT_CHANNELS = 4;
const DOWNSCALE = 8;
const BRANCH_CHANNELS = 16;
const BRANCH_WEIGHT = 0.05;
/** A near-deterministic posterior, like SD's VAE whose std is negligible. */
const LOGVAR = -10;
const PRODUCER = 'insaneres-tiny-model';

/**
 * RGB → latent channels (rows). Rank 3, so the pseudo-inverse recovers RGB exactly; roughly "luma, red-green,
 * yellow-blue, a mix", sized so that scaled latents (× 0.18215) of natural images spread about as SD's do.
 */
export const COLOUR_MAP: readonly (readonly number[])[] = [
  [0.8, 0.8, 0.6],
  [1.2, -1.2, 0.0],
  [0.6, 0.6, -1.2],
  [-0.6, 0.8, 0.4],
];

export function buildVaeEncoder(options: ResolvedOptions): ModelProto {
  const g = new GraphBuilder('vae_encoder');
  const nn = new Layers(g, prngFor(options.seed, 'vae_encoder'));
  const image = dimsFor(options.staticShape, 'other', DOWNSCALE);
  const latent = dimsFor(options.staticShape, 'other', 1, '_latent');

  const sample = floatInput(g, 'sample', [image.batch, 3, image.height, image.width], options.precision);
  const pooled = g.op('AveragePool', [sample], {
    kernel_shape: attr.ints([DOWNSCALE, DOWNSCALE]),
    strides: attr.ints([DOWNSCALE, DOWNSCALE]),
  });
  const colours = nn.conv2d(pooled, 'quant_conv', 3, LATENT_CHANNELS, {
    kernel: 1,
    bias: false,
    weight: Float32Array.from(COLOUR_MAP.flat()),
  });
  const branch = randomBranch(nn, pooled, 'encoder.branch', 3, LATENT_CHANNELS);
  const mean = nn.scale(nn.add(colours, nn.scale(branch, BRANCH_WEIGHT)), 1 / LATENT_SCALE);

  if (options.vaeEncoderOutput === 'latent_sample') {
    floatOutput(g, mean, 'latent_sample', [latent.batch, LATENT_CHANNELS, latent.height, latent.width], options.precision);
  } else {
    const logvar = g.op('ConstantOfShape', [g.op('Shape', [mean])], {
      value: attr.tensor(makeTensor('value', 'float32', [1], new Float32Array([LOGVAR]))),
    });
    const parameters = g.op('Concat', [mean, logvar], { axis: attr.int(1) });
    const shape = [latent.batch, 2 * LATENT_CHANNELS, latent.height, latent.width];
    floatOutput(g, parameters, 'latent_parameters', shape, options.precision);
  }
  return g.toModel(PRODUCER);
}

export function buildVaeDecoder(options: ResolvedOptions): ModelProto {
  const g = new GraphBuilder('vae_decoder');
  const nn = new Layers(g, prngFor(options.seed, 'vae_decoder'));
  const latent = dimsFor(options.staticShape, 'other', 1, '_latent');
  const image = dimsFor(options.staticShape, 'other', DOWNSCALE);

  const latentSample = floatInput(g, 'latent_sample', [latent.batch, LATENT_CHANNELS, latent.height, latent.width], options.precision);
  const scaled = nn.scale(latentSample, LATENT_SCALE);
  const colours = nn.conv2d(scaled, 'post_quant_conv', LATENT_CHANNELS, 3, {
    kernel: 1,
    bias: false,
    weight: Float32Array.from(pseudoInverse(COLOUR_MAP).flat()),
  });
  const branch = randomBranch(nn, scaled, 'decoder.branch', LATENT_CHANNELS, 3);
  const small = nn.add(colours, nn.scale(branch, BRANCH_WEIGHT));
  const upscaled = g.op('Resize', [small, '', g.constFloat([1, 1, DOWNSCALE, DOWNSCALE])], {
    mode: attr.string('linear'),
    coordinate_transformation_mode: attr.string('half_pixel'),
  });
  floatOutput(g, upscaled, 'sample', [image.batch, 3, image.height, image.width], options.precision);
  return g.toModel(PRODUCER);
}

/** TAESD's layout at test size: 8 channels instead of 64, the real 3, 3, 3, 1 blocks. */
export const TINY_TAESD_SHAPE: TaesdShape = { channels: 8, blocks: [3, 3, 3, 1] };

/** The encoder's stages run the other way (diffusers' num_encoder_blocks). */
const TINY_TAESD_ENCODER_SHAPE: TaesdShape = { channels: 8, blocks: [1, 3, 3, 3] };

function taesdWeights(g: GraphBuilder, nn: Layers): TaesdWeights {
  return {
    // Layers draws uniform(±gain/√fanIn): √3 more gives the variance gain²/fanIn asked for.
    weight: (name, dims, fanIn, gain) => nn.randomWeight(name, dims, fanIn, gain * Math.sqrt(3)),
    bias: (name, size, center) => nn.noisyConstant(name, [size], center, 0.02),
    constant: (value) => g.constFloat(value),
  };
}

/** The tiny decoder (`vae_decoder_tiny/`): diffusers' AutoencoderTiny decoder, random weights. */
export function buildTinyVaeDecoder(options: ResolvedOptions): ModelProto {
  const g = new GraphBuilder('vae_decoder_tiny');
  const nn = new Layers(g, prngFor(options.seed, 'vae_decoder_tiny'));
  const latent = dimsFor(options.staticShape, 'other', 1, '_latent');
  const image = dimsFor(options.staticShape, 'other', DOWNSCALE);
  const latentSample = floatInput(g, 'latent_sample', [latent.batch, LATENT_CHANNELS, latent.height, latent.width], options.precision);
  const out = buildTaesdDecoder(g, taesdWeights(g, nn), latentSample, TINY_TAESD_SHAPE);
  floatOutput(g, out, 'sample', [image.batch, 3, image.height, image.width], options.precision);
  return g.toModel(PRODUCER);
}

/** The tiny encoder (`vae_encoder_tiny/`): diffusers' AutoencoderTiny encoder, random weights. */
export function buildTinyVaeEncoder(options: ResolvedOptions): ModelProto {
  const g = new GraphBuilder('vae_encoder_tiny');
  const nn = new Layers(g, prngFor(options.seed, 'vae_encoder_tiny'));
  const image = dimsFor(options.staticShape, 'other', DOWNSCALE);
  const latent = dimsFor(options.staticShape, 'other', 1, '_latent');
  const sample = floatInput(g, 'sample', [image.batch, 3, image.height, image.width], options.precision);
  const out = buildTaesdEncoder(g, taesdWeights(g, nn), sample, TINY_TAESD_ENCODER_SHAPE);
  floatOutput(g, out, 'latent_sample', [latent.batch, LATENT_CHANNELS, latent.height, latent.width], options.precision);
  return g.toModel(PRODUCER);
}

/** Conv 3×3 → GroupNorm → SiLU → Conv 3×3: real VAE ops with random weights, kept small by the caller. */
function randomBranch(nn: Layers, x: string, name: string, inChannels: number, outChannels: number): string {
  const hidden = nn.conv2d(x, `${name}.conv1`, inChannels, BRANCH_CHANNELS);
  const activated = nn.silu(nn.groupNorm(hidden, `${name}.norm`, BRANCH_CHANNELS, NORM_GROUPS));
  return nn.conv2d(activated, `${name}.conv2`, BRANCH_CHANNELS, outChannels);
}

/** (MᵀM)⁻¹Mᵀ for a full-column-rank m×3 matrix: the least-squares inverse of the colour map. */
export function pseudoInverse(matrix: readonly (readonly number[])[]): number[][] {
  const gram = [0, 1, 2].map((i) => [0, 1, 2].map((j) => matrix.reduce((sum, row) => sum + row[i] * row[j], 0)));
  const inverse = invert3x3(gram);
  return [0, 1, 2].map((i) => matrix.map((row) => inverse[i].reduce((sum, value, k) => sum + value * row[k], 0)));
}

function invert3x3(m: readonly (readonly number[])[]): number[][] {
  const cofactor = (r: number, c: number): number => {
    const rows = [0, 1, 2].filter((i) => i !== r);
    const cols = [0, 1, 2].filter((j) => j !== c);
    const minor = m[rows[0]][cols[0]] * m[rows[1]][cols[1]] - m[rows[0]][cols[1]] * m[rows[1]][cols[0]];
    return (r + c) % 2 === 0 ? minor : -minor;
  };
  const determinant = m[0][0] * cofactor(0, 0) + m[0][1] * cofactor(0, 1) + m[0][2] * cofactor(0, 2);
  if (Math.abs(determinant) < 1e-12) throw new Error('the colour map is singular');
  // inverse = adjugate / det, adjugate = transposed cofactor matrix
  return [0, 1, 2].map((i) => [0, 1, 2].map((j) => cofactor(j, i) / determinant));
}
