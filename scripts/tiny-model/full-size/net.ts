/**
 * Layers of the real SD 1.5 parts (diffusers' UNet2DConditionModel, AutoencoderKL, CLIP ViT-L/14 text
 * model) as the torch ONNX exporter emits them, with random weights streamed straight to each model's
 * external data file: a 3.4 GB UNet never sits in memory twice.
 *
 * Weight scale: PyTorch's default init, uniform(±1/√fan_in) (variance 1/(3·fan_in)), times √3 so that a
 * layer keeps its input's variance. Every block starts with a norm, so activations stay near unit size
 * through the whole depth: finite, and never denormal (denormals or NaN would change CPU speed, and the
 * point of this model is the speed of the real one). test/unit/scripts/full-size-model.test.ts checks it.
 */
import * as fs from 'fs';
import { attr, GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { float32ToFloat16 } from '../../../server/src/runtime/float16';
import { Prng } from '../prng';

export type FloatType = 'float32' | 'float16';

const UNIT_VARIANCE_GAIN = Math.sqrt(3);
/** The ONNX spec asks for page-aligned external offsets (runtimes may mmap each tensor). */
const ALIGNMENT = 4096;

/**
 * Appends float32 tensors to one external data file, page-aligned, and records where each went. `reuse`:
 * the file exists already (a variant of a model whose weights it shares): offsets are computed, nothing is
 * drawn or written, and `close` returns the size the file must have.
 */
export class ExternalWeights {
  private offset = 0;
  private readonly fd: number | null;

  constructor(
    readonly file: string,
    readonly location: string,
    readonly reuse = false,
  ) {
    this.fd = reuse ? null : fs.openSync(file, 'w');
  }

  /** Where `byteLength` bytes go: the next page-aligned offset. */
  reserve(byteLength: number): { offset: number; length: number } {
    const offset = Math.ceil(this.offset / ALIGNMENT) * ALIGNMENT;
    this.offset = offset + byteLength;
    return { offset, length: byteLength };
  }

  write(data: Float32Array | Uint16Array): { offset: number; length: number } {
    const place = this.reserve(data.byteLength);
    if (this.fd === null) return place;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.fd, bytes, done, bytes.length - done, place.offset + done);
    return place;
  }

  close(): number {
    if (this.fd !== null) fs.closeSync(this.fd);
    return this.offset;
  }
}

/**
 * Uniform(±1) values drawn once; each weight tensor reads them from a random start, wrapping around. A
 * billion weights drawn one by one took minutes in JavaScript; this is disk-bound. The pool's size is
 * prime, so no two output channels of a layer (sizes are multiples of 8) read the same run of values.
 */
const POOL_SIZE = 4_194_301;

export class Net {
  private readonly constants = new Map<string, string>();
  private readonly pool: Float32Array;

  /** `float`: the element type of every weight, activation, input and output (float16 = an fp16 export). */
  constructor(
    readonly g: GraphBuilder,
    private readonly rng: Prng,
    private readonly weights: ExternalWeights,
    readonly float: FloatType = 'float32',
  ) {
    this.pool = rng.uniform(POOL_SIZE, 1);
  }

  /** `count` values uniform in ±bound, read from the pool at a random start. */
  private uniform(count: number, bound: number): Float32Array {
    const out = new Float32Array(count);
    let at = Math.floor(this.rng.next() * POOL_SIZE);
    for (let done = 0; done < count; ) {
      const n = Math.min(count - done, POOL_SIZE - at);
      out.set(this.pool.subarray(at, at + n), done);
      done += n;
      at = 0;
    }
    for (let i = 0; i < count; i++) out[i] *= bound;
    return out;
  }

  /** ONNX TensorProto data type of `float`, for Cast nodes. */
  get floatCode(): number {
    return this.float === 'float16' ? 10 : 1;
  }

  /** A weight of the model's float type, its bytes streamed to the external data file. */
  store(name: string, dims: readonly number[], data: Float32Array): string {
    const { offset, length } = this.weights.write(this.float === 'float16' ? float32ToFloat16(data) : data);
    return this.g.addInitializer({ name, elemType: this.float, dims: [...dims], external: { location: this.weights.location, offset, length } });
  }

  /** A small shared constant of the model's float type (scalar unless dims are given). */
  c(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    if (this.float === 'float32') return this.g.constFloat(values, dims);
    const key = `${shape.join(',')}:${list.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.g.initializer(`const_h${this.constants.size}`, 'float16', shape, float32ToFloat16(new Float32Array(list)));
      this.constants.set(key, name);
    }
    return name;
  }

  /** A weight whose bytes are already in a reused external file: its place only (nothing drawn). */
  private reused(name: string, dims: readonly number[]): string {
    const count = dims.reduce((a, b) => a * b, 1);
    const { offset, length } = this.weights.reserve(count * (this.float === 'float16' ? 2 : 4));
    return this.g.addInitializer({ name, elemType: this.float, dims: [...dims], external: { location: this.weights.location, offset, length } });
  }

  /** Uniform(±gain·√3/√fan_in): unit-variance-preserving for gain 1. */
  random(name: string, dims: readonly number[], fanIn: number, gain = 1): string {
    if (this.weights.reuse) return this.reused(name, dims);
    const count = dims.reduce((a, b) => a * b, 1);
    return this.store(name, dims, this.uniform(count, (gain * UNIT_VARIANCE_GAIN) / Math.sqrt(fanIn)));
  }

  /** `center` ± `spread` (a norm's scale near 1, its shift near 0). */
  near(name: string, dims: readonly number[], center: number, spread: number): string {
    if (this.weights.reuse) return this.reused(name, dims);
    const values = this.uniform(dims.reduce((a, b) => a * b, 1), spread);
    for (let i = 0; i < values.length; i++) values[i] += center;
    return this.store(name, dims, values);
  }

  conv(x: string, name: string, inC: number, outC: number, kernel: 1 | 3, stride: 1 | 2 = 1, pads?: readonly number[]): string {
    const fanIn = inC * kernel * kernel;
    const weight = this.random(`${name}.weight`, [outC, inC, kernel, kernel], fanIn);
    const bias = this.near(`${name}.bias`, [outC], 0, 0.02);
    const p = (kernel - 1) / 2;
    return this.g.op('Conv', [x, weight, bias], {
      kernel_shape: attr.ints([kernel, kernel]),
      pads: attr.ints(pads ?? [p, p, p, p]),
      strides: attr.ints([stride, stride]),
    });
  }

  /** GroupNorm as torch.onnx exports it before opset 18 (Reshape, InstanceNormalization, Reshape, affine). */
  groupNorm(x: string, name: string, channels: number, epsilon: number, groups = 32): string {
    const g = this.g;
    const grouped = g.op('Reshape', [x, g.constInt64([0, groups, -1])]);
    const normalized = g.op('InstanceNormalization', [grouped, this.c(new Array<number>(groups).fill(1)), this.c(new Array<number>(groups).fill(0))], {
      epsilon: attr.float(epsilon),
    });
    const restored = g.op('Reshape', [normalized, g.op('Shape', [x])]);
    const scale = this.near(`${name}.weight`, [channels, 1, 1], 1, 0.1);
    const shift = this.near(`${name}.bias`, [channels, 1, 1], 0, 0.1);
    return g.op('Add', [g.op('Mul', [restored, scale]), shift]);
  }

  layerNorm(x: string, name: string, features: number, shiftCenter = 0): string {
    const scale = this.near(`${name}.weight`, [features], 1, 0.1);
    const shift = this.near(`${name}.bias`, [features], shiftCenter, 0.1);
    return this.g.op('LayerNormalization', [x, scale, shift], { axis: attr.int(-1), epsilon: attr.float(1e-5) });
  }

  linear(x: string, name: string, inF: number, outF: number, bias = true, gain = 1): string {
    const product = this.g.op('MatMul', [x, this.random(`${name}.weight`, [inF, outF], inF, gain)]);
    return bias ? this.add(product, this.near(`${name}.bias`, [outF], 0, 0.02)) : product;
  }

  silu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [x])]);
  }

  /** GELU as exported before opset 20: 0.5·x·(1 + erf(x/√2)). */
  gelu(x: string): string {
    const g = this.g;
    const erf = g.op('Erf', [g.op('Div', [x, this.c(Math.SQRT2)])]);
    return g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, this.c(1)])]), this.c(0.5)]);
  }

  quickGelu(x: string): string {
    return this.g.op('Mul', [x, this.g.op('Sigmoid', [this.g.op('Mul', [x, this.c(1.702)])])]);
  }

  add(a: string, b: string): string {
    return this.g.op('Add', [a, b]);
  }

  /**
   * Multi-head attention as diffusers/transformers export it: q, k, v projections, split into heads
   * ([B, N, H·d] → [B, H, N, d]), softmax(q·kᵀ/√d [+ mask])·v, heads merged, output projection.
   */
  attention(
    queries: string,
    context: string,
    name: string,
    dims: { query: number; context: number; heads: number; qkvBias: boolean },
    mask?: string,
  ): string {
    const g = this.g;
    const inner = dims.query;
    const headDim = inner / dims.heads;
    const split = (t: string): string =>
      g.op('Transpose', [g.op('Reshape', [t, g.constInt64([0, -1, dims.heads, headDim])])], { perm: attr.ints([0, 2, 1, 3]) });
    const q = split(this.linear(queries, `${name}.q_proj`, dims.query, inner, dims.qkvBias));
    const k = split(this.linear(context, `${name}.k_proj`, dims.context, inner, dims.qkvBias));
    const v = split(this.linear(context, `${name}.v_proj`, dims.context, inner, dims.qkvBias));
    let scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) })]), this.c(1 / Math.sqrt(headDim))]);
    if (mask) scores = this.add(scores, mask);
    const mixed = g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.int(-1) }), v]);
    const merged = g.op('Reshape', [g.op('Transpose', [mixed], { perm: attr.ints([0, 2, 1, 3]) }), g.constInt64([0, -1, inner])]);
    return this.linear(merged, `${name}.out_proj`, inner, dims.query);
  }

  /** [B, C, h, w] → [B, h·w, C]. */
  toTokens(x: string, channels: number): string {
    return this.g.op('Transpose', [this.g.op('Reshape', [x, this.g.constInt64([0, channels, -1])])], { perm: attr.ints([0, 2, 1]) });
  }

  /** [B, h·w, C] → the shape of `like` ([B, C, h, w]). */
  fromTokens(tokens: string, like: string): string {
    return this.g.op('Reshape', [this.g.op('Transpose', [tokens], { perm: attr.ints([0, 2, 1]) }), this.g.op('Shape', [like])]);
  }

  /** Nearest-neighbour 2× enlargement (diffusers' Upsample2D before its conv). */
  upsample2x(x: string): string {
    const g = this.g;
    return g.op('Resize', [x, '', g.constFloat([1, 1, 2, 2])], { mode: attr.string('nearest') });
  }
}
