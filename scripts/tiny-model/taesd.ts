/**
 * TAESD (madebyollin/taesd; diffusers `AutoencoderTiny`'s `DecoderTiny` and `EncoderTiny`) with random weights,
 * as the torch ONNX exporter writes diffusers' modules: fast mode's tiny VAE decoder and encoder.
 *
 *   tanh(x/3)·3 (its input clamp) → Conv 4→C → ReLU
 *   → per stage: `blocks` × Block, then (not the last stage) nearest Upsample ×2 → Conv C→C without bias
 *   → Conv C→3 → x·2 − 1 (DecoderTiny.forward: "scale image from [0, 1] to [-1, 1] to match diffusers convention")
 *   Block(x) = ReLU(Conv(ReLU(Conv(ReLU(Conv(x))))) + x)
 *
 * Real TAESD: C = 64, blocks 3, 3, 3, 1 (`decoder_block_out_channels` (64, 64, 64, 64), `num_decoder_blocks`
 * (3, 3, 3, 1)), all convs 3×3. Its input is the UNet's latent itself: `AutoencoderTiny.scaling_factor` is
 * 1.0, so a pipeline divides by 1 where SD's VAE divides by 0.18215.
 *
 * Weights keep activations near unit size through the ReLUs (He gain √2); each block's last conv is scaled
 * down so ten residual sums do not grow, and the output conv's bias sits at 0.5 (mid grey before ×2 − 1), so
 * random outputs are finite, normal floats around [-1, 1].
 */
import { attr, GraphBuilder } from '../../server/src/onnx/graph-builder';

export interface TaesdShape {
  channels: number;
  /** Blocks per stage; a stage is followed by a 2× upsample except the last (3 stages upsample 8×). */
  blocks: readonly number[];
}

export const TAESD_SHAPE: TaesdShape = { channels: 64, blocks: [3, 3, 3, 1] };
/** The encoder's stages run the other way: `num_encoder_blocks` (1, 3, 3, 3). */
export const TAESD_ENCODER_SHAPE: TaesdShape = { channels: 64, blocks: [1, 3, 3, 3] };

/** How one part of the generator makes weights: `gain` as in He init (variance gain²/fanIn). */
export interface TaesdWeights {
  weight(name: string, dims: readonly number[], fanIn: number, gain: number): string;
  bias(name: string, size: number, center: number): string;
  constant(value: number): string;
}

const HE_GAIN = Math.SQRT2;
const RESIDUAL_GAIN = 0.3;
const OUTPUT_GAIN = 0.2;

type Conv = (x: string, name: string, inC: number, outC: number, gain: number, bias: boolean, biasCenter?: number, stride?: number) => string;

function convFactory(g: GraphBuilder, w: TaesdWeights): Conv {
  return (x, name, inC, outC, gain, bias, biasCenter = 0, stride = 1) => {
    const inputs = [x, w.weight(`${name}.weight`, [outC, inC, 3, 3], inC * 9, gain)];
    if (bias) inputs.push(w.bias(`${name}.bias`, outC, biasCenter));
    return g.op('Conv', inputs, { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]), strides: attr.ints([stride, stride]) });
  };
}

/** AutoencoderTinyBlock: ReLU(conv(ReLU(conv(ReLU(conv(x))))) + x). */
function block(g: GraphBuilder, conv: Conv, h: string, name: string, c: number): string {
  const relu = (x: string): string => g.op('Relu', [x]);
  let inner = relu(conv(h, `${name}.0`, c, c, HE_GAIN, true));
  inner = relu(conv(inner, `${name}.2`, c, c, HE_GAIN, true));
  inner = conv(inner, `${name}.4`, c, c, RESIDUAL_GAIN, true);
  return relu(g.op('Add', [inner, h]));
}

/**
 * TAESD's encoder (diffusers' EncoderTiny, blocks 1, 3, 3, 3): image [B,3,H,W] in [-1, 1] → (x + 1)/2 →
 * Conv 3→C, Block; then per further stage a stride-2 Conv without bias and its blocks → Conv C→4: the
 * UNet's latent itself (scaling_factor 1.0).
 */
export function buildTaesdEncoder(g: GraphBuilder, w: TaesdWeights, image: string, shape: TaesdShape): string {
  const c = shape.channels;
  const conv = convFactory(g, w);
  let h = g.op('Mul', [g.op('Add', [image, w.constant(1)]), w.constant(0.5)]);
  let layer = 0;
  shape.blocks.forEach((count, stage) => {
    h = stage === 0 ? conv(h, `encoder.layers.${layer++}`, 3, c, HE_GAIN, true) : conv(h, `encoder.layers.${layer++}`, c, c, HE_GAIN, false, 0, 2);
    for (let b = 0; b < count; b++) h = block(g, conv, h, `encoder.layers.${layer++}.conv`, c);
  });
  // Unit gain: latents near unit size, as the UNet expects its (scaled) latents.
  return conv(h, `encoder.layers.${layer}`, c, 4, 1, true);
}

/** `latent` [B,4,h,w] → image [B,3,8h,8w] in about [-1, 1]; returns the output's value name. */
export function buildTaesdDecoder(g: GraphBuilder, w: TaesdWeights, latent: string, shape: TaesdShape): string {
  const c = shape.channels;
  const conv = convFactory(g, w);
  const relu = (x: string): string => g.op('Relu', [x]);

  const clamped = g.op('Mul', [g.op('Tanh', [g.op('Mul', [latent, w.constant(1 / 3)])]), w.constant(3)]);
  let h = relu(conv(clamped, 'decoder.layers.0', 4, c, HE_GAIN, true));
  let layer = 2;
  shape.blocks.forEach((count, stage) => {
    for (let b = 0; b < count; b++) h = block(g, conv, h, `decoder.layers.${layer++}.conv`, c);
    if (stage < shape.blocks.length - 1) {
      const up = g.op('Resize', [h, '', g.constFloat([1, 1, 2, 2])], { mode: attr.string('nearest') });
      layer++;
      h = conv(up, `decoder.layers.${layer++}`, c, c, HE_GAIN, false);
    }
  });
  const image = conv(h, `decoder.layers.${layer}`, c, 3, OUTPUT_GAIN, true, 0.5);
  return g.op('Sub', [g.op('Mul', [image, w.constant(2)]), w.constant(1)]);
}

/** The config.json diffusers writes for AutoencoderTiny: how the loader tells a tiny decoder from SD's VAE. */
export function taesdConfig(shape: TaesdShape): Record<string, unknown> {
  return {
    _class_name: 'AutoencoderTiny',
    act_fn: 'relu',
    decoder_block_out_channels: shape.blocks.map(() => shape.channels),
    in_channels: 3,
    latent_channels: 4,
    num_decoder_blocks: [...shape.blocks],
    num_encoder_blocks: [...shape.blocks].reverse(),
    encoder_block_out_channels: shape.blocks.map(() => shape.channels),
    out_channels: 3,
    scaling_factor: 1.0,
    upsample_fn: 'nearest',
    upsampling_scaling_factor: 2,
  };
}
