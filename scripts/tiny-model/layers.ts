/**
 * Neural-network layers written as ONNX ops the way PyTorch exporters emit them, with seeded random weights.
 */
import { attr, GraphBuilder } from '../../server/src/onnx/graph-builder';
import { Dim } from '../../server/src/onnx/proto-writer';
import { Prng } from './prng';

export type Precision = 'fp32' | 'fp16';

const TO_FLOAT32 = 1;
const TO_FLOAT16 = 10;
const SHARP_ATTENTION_GAIN = 3;

export class Layers {
  constructor(
    readonly g: GraphBuilder,
    private readonly rng: Prng,
  ) {}

  /** PyTorch's default init, uniform(±1/sqrt(fan_in)), times `gain`. */
  randomWeight(name: string, dims: readonly number[], fanIn: number, gain = 1): string {
    const count = dims.reduce((a, b) => a * b, 1);
    return this.g.weight(name, dims, this.rng.uniform(count, gain / Math.sqrt(fanIn)));
  }

  /** `center` plus uniform noise in ±spread, e.g. a norm's scale near 1. */
  noisyConstant(name: string, dims: readonly number[], center: number, spread: number): string {
    const values = this.rng.uniform(dims.reduce((a, b) => a * b, 1), spread).map((v) => v + center);
    return this.g.weight(name, dims, values);
  }

  /** Conv2d with "same" padding. `weight` fixes the kernel (e.g. a colour map) instead of drawing it. */
  conv2d(
    x: string,
    name: string,
    inChannels: number,
    outChannels: number,
    options: { kernel?: 1 | 3; gain?: number; weight?: Float32Array; bias?: boolean } = {},
  ): string {
    const kernel = options.kernel ?? 3;
    const dims = [outChannels, inChannels, kernel, kernel];
    const fanIn = inChannels * kernel * kernel;
    const weight = options.weight
      ? this.g.weight(`${name}.weight`, dims, options.weight)
      : this.randomWeight(`${name}.weight`, dims, fanIn, options.gain);
    const inputs = [x, weight];
    if (options.bias ?? true) inputs.push(this.randomWeight(`${name}.bias`, [outChannels], fanIn, options.gain));
    const pad = (kernel - 1) / 2;
    return this.g.op('Conv', inputs, {
      kernel_shape: attr.ints([kernel, kernel]),
      pads: attr.ints([pad, pad, pad, pad]),
      strides: attr.ints([1, 1]),
    });
  }

  /**
   * GroupNorm as torch.onnx exports it before opset 18: Reshape to [B, G, -1], InstanceNormalization with unit
   * scale, Reshape back to the input's runtime shape, then the per-channel affine.
   */
  groupNorm(x: string, name: string, channels: number, groups: number): string {
    if (channels % groups !== 0) throw new Error(`${name}: ${channels} channels do not split into ${groups} groups`);
    const g = this.g;
    const grouped = g.op('Reshape', [x, g.constInt64([0, groups, -1])]);
    const ones = g.constFloat(new Array<number>(groups).fill(1));
    const zeros = g.constFloat(new Array<number>(groups).fill(0));
    const normalized = g.op('InstanceNormalization', [grouped, ones, zeros], { epsilon: attr.float(1e-5) });
    const restored = g.op('Reshape', [normalized, g.op('Shape', [x])]);
    const scale = this.noisyConstant(`${name}.weight`, [channels, 1, 1], 1, 0.1);
    const shift = this.noisyConstant(`${name}.bias`, [channels, 1, 1], 0, 0.1);
    return g.op('Add', [g.op('Mul', [restored, scale]), shift]);
  }

  /** LayerNormalization over the last axis; `shiftCenter` offsets the bias (a non-zero mean output). */
  layerNorm(x: string, name: string, features: number, shiftCenter = 0): string {
    const scale = this.noisyConstant(`${name}.weight`, [features], 1, 0.1);
    const shift = this.noisyConstant(`${name}.bias`, [features], shiftCenter, 0.1);
    return this.g.op('LayerNormalization', [x, scale, shift], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  }

  /** x·W + b on the last axis (torch.nn.Linear exports as MatMul + Add). */
  linear(x: string, name: string, inFeatures: number, outFeatures: number, options: { bias?: boolean; gain?: number } = {}): string {
    const weight = this.randomWeight(`${name}.weight`, [inFeatures, outFeatures], inFeatures, options.gain);
    const product = this.g.op('MatMul', [x, weight]);
    if (!(options.bias ?? true)) return product;
    return this.g.op('Add', [product, this.randomWeight(`${name}.bias`, [outFeatures], inFeatures, options.gain)]);
  }

  /** SiLU = x·sigmoid(x): opset 17 has no SiLU op, so exporters emit Sigmoid + Mul. */
  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  /** CLIP's QuickGELU: x·sigmoid(1.702x). */
  quickGelu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [this.scale(x, 1.702)])]);
  }

  scale(x: string, factor: number): string {
    return this.g.op('Mul', [x, this.g.constFloat(factor)]);
  }

  add(a: string, b: string): string {
    return this.g.op('Add', [a, b]);
  }

  /**
   * Single-head scaled dot-product attention: queries [B, N, queryDim] attend to context [B, M, contextDim].
   * `mask` (additive, broadcast to [N, M]) is optional.
   */
  attention(
    queries: string,
    context: string,
    name: string,
    dims: { query: number; context: number; inner: number },
    mask?: string,
  ): string {
    const g = this.g;
    // Larger q/k weights than the default init give peaked attention, so the output depends on single tokens
    // instead of averaging all of them away.
    const q = this.linear(queries, `${name}.to_q`, dims.query, dims.inner, { bias: false, gain: SHARP_ATTENTION_GAIN });
    const k = this.linear(context, `${name}.to_k`, dims.context, dims.inner, { bias: false, gain: SHARP_ATTENTION_GAIN });
    const v = this.linear(context, `${name}.to_v`, dims.context, dims.inner, { bias: false });
    const kT = g.op('Transpose', [k], { perm: attr.ints([0, 2, 1]) });
    let scores = this.scale(g.op('MatMul', [q, kT]), 1 / Math.sqrt(dims.inner));
    if (mask) scores = this.add(scores, mask);
    const probabilities = g.op('Softmax', [scores], { axis: attr.int(-1) });
    const mixed = g.op('MatMul', [probabilities, v]);
    return this.linear(mixed, `${name}.to_out`, dims.inner, dims.query);
  }

  /** [B, C, h, w] → [B, h·w, C]: image positions as a token sequence. */
  toTokens(x: string, channels: number): string {
    const flat = this.g.op('Reshape', [x, this.g.constInt64([0, channels, -1])]);
    return this.g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) });
  }

  /** [B, h·w, C] → [B, C, h, w], taking h and w from `like` at run time (dynamic spatial size). */
  fromTokens(tokens: string, like: string): string {
    const channelsFirst = this.g.op('Transpose', [tokens], { perm: attr.ints([0, 2, 1]) });
    return this.g.op('Reshape', [channelsFirst, this.g.op('Shape', [like])]);
  }
}

/**
 * Declares a float graph input. fp16 models take float16 and compute in float32 behind a Cast, which is enough
 * to exercise the loader's conversion at the boundary.
 */
export function floatInput(g: GraphBuilder, name: string, shape: readonly Dim[], precision: Precision): string {
  if (precision === 'fp32') return g.input(name, 'float32', shape);
  return g.op('Cast', [g.input(name, 'float16', shape)], { to: attr.int(TO_FLOAT32) });
}

/** Declares `value` (float32) as the graph output `name`, cast to float16 for fp16 models. */
export function floatOutput(g: GraphBuilder, value: string, name: string, shape: readonly Dim[], precision: Precision): void {
  if (precision === 'fp32') {
    g.output(value, name, 'float32', shape);
    return;
  }
  g.output(g.op('Cast', [value], { to: attr.int(TO_FLOAT16) }, name), name, 'float16', shape);
}

/** Casts any numeric tensor to float32. */
export function toFloat32(g: GraphBuilder, x: string): string {
  return g.op('Cast', [x], { to: attr.int(TO_FLOAT32) });
}
