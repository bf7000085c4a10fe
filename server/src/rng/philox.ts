/**
 * Seeded Gaussian noise identical to AUTOMATIC1111's "NV" generator (`modules/rng_philox.py`), which
 * reproduces `torch.randn(..., device='cuda')` on the CPU: Philox 4x32-10 (Salmon et al., "Parallel random
 * numbers: as easy as 1, 2, 3", SC'11) followed by one Box–Muller output per element.
 *
 * For a draw of n elements, element i uses counter = (offset, 0, i, 0) and key = (seed low 32 bits, seed
 * high 32 bits); the generator's offset starts at 0 and grows by one per draw, so a job's first draw (the
 * initial latent noise) is reproducible from the seed alone.
 */
import { randomInt } from 'crypto';

// Philox 4x32 round multipliers and Weyl key increments (Random123).
const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
// The rounds below hold every word as an int32 (the same 32 bits; `>>> 0` reads it back unsigned). In
// optimised code an int32 stays in a register, but a uint32 above 2^30 was boxed as a heap number at
// every round (32 minor GCs over 100 latent-sized draws). The inference worker waits seconds inside
// onnxruntime between draws, and after such a wait the garbage landed on heap pages that faulted in
// again: 400–670 page faults and 8–25 ms a draw instead of 1.5–2 ms (2-core VM). "draws without garbage"
// in philox.test.ts checks the allocation.
const PHILOX_W0 = 0x9e3779b9 | 0;
const PHILOX_W1 = 0xbb67ae85 | 0;
// The multipliers split in 16-bit halves, for the exact high word of a 32x32-bit product.
const M0_HI = PHILOX_M0 >>> 16;
const M0_LO = PHILOX_M0 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16;
const M1_LO = PHILOX_M1 & 0xffff;
const PHILOX_ROUNDS = 10;

// A1111 keeps these constants as float32 numpy arrays (so they are float32-rounded) while the arithmetic
// that uses them is promoted to float64 (uint32 array × float32 array → float64 in numpy).
const TWO_POW32_INV = Math.fround(2.3283064e-10);
const TWO_POW32_INV_2PI = Math.fround(2.3283064e-10 * 6.2831855);

const TWO_POW32 = 0x1_0000_0000;

// Module-level bindings, not `Math.x` in the hot loop: inside a vm context (jest's test environment) every
// global lookup goes through the context's interceptor, which made randn ~70× slower there.
const { floor, imul, log, sin, sqrt } = Math;

/** High 32 bits (as int32) of the 64-bit product a × m, with m = mHi·2^16 + mLo; every partial sum stays below 2^53. */
function mulHi32(a: number, mHi: number, mLo: number): number {
  const aHi = a >>> 16;
  const aLo = a & 0xffff;
  const middle = aHi * mLo + aLo * mHi + ((aLo * mLo) >>> 16);
  return (aHi * mHi + floor(middle / 0x10000)) | 0;
}

/** Scratch output of {@link philoxInto} (int32 view of the words), so the per-element loop allocates nothing. */
const words = new Int32Array(4);

/** Philox 4x32-10 of counter (c0..c3) under key (k0, k1), all int32; the four output words land in `words`. */
function philoxInto(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let round = 0; round < PHILOX_ROUNDS; round++) {
    const hi0 = mulHi32(c0, M0_HI, M0_LO);
    const lo0 = imul(c0, PHILOX_M0);
    const hi1 = mulHi32(c2, M1_HI, M1_LO);
    const lo1 = imul(c2, PHILOX_M1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    // Key schedule: the key is bumped between rounds (the bump after the last round is unused).
    k0 = (k0 + PHILOX_W0) | 0;
    k1 = (k1 + PHILOX_W1) | 0;
  }
  words[0] = c0;
  words[1] = c1;
  words[2] = c2;
  words[3] = c3;
}

/** The Philox 4x32-10 block function: four random 32-bit words for one counter and key. */
export function philox4x32_10(counter: Uint32Array, key: Uint32Array): Uint32Array {
  if (counter.length !== 4 || key.length !== 2) {
    throw new Error(`philox4x32_10 needs a counter of 4 words and a key of 2 words, got ${counter.length} and ${key.length}`);
  }
  philoxInto(counter[0] | 0, counter[1] | 0, counter[2] | 0, counter[3] | 0, key[0] | 0, key[1] | 0);
  return Uint32Array.from(words, (word) => word >>> 0);
}

/** A seed as the two 32-bit words of an unsigned 64-bit integer: [low, high]. */
function seedWords(seed: number | bigint): [number, number] {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= 1n << 64n) throw new Error(`seed ${seed} is outside the unsigned 64-bit range`);
    return [Number(seed & 0xffff_ffffn), Number(seed >> 32n)];
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new Error(`seed ${seed} must be a non-negative integer (at most 2^53 - 1 as a number; pass a bigint beyond that)`);
  }
  return [seed % TWO_POW32, Math.floor(seed / TWO_POW32)];
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const size of shape) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`randn shape [${shape.join(', ')}] has an invalid dimension ${size}`);
    count *= size;
  }
  // counter[2] holds the element index, as in A1111 (which never spills into counter[3]).
  if (count > TWO_POW32) throw new Error(`randn of ${count} elements exceeds the 2^32 element indices of one draw`);
  return count;
}

/** A1111's NV generator: one instance per job (and per image of a batch, seeded seed + i). */
export class PhiloxGenerator {
  private readonly keyLow: number;
  private readonly keyHigh: number;
  /** counter[0] of the next draw. */
  private offset = 0;

  constructor(seed: number | bigint) {
    [this.keyLow, this.keyHigh] = seedWords(seed);
  }

  /** Standard normal samples in row-major order; each call advances the draw offset by one. */
  randn(shape: readonly number[]): Float32Array {
    const count = elementCount(shape);
    const out = new Float32Array(count);
    const offset = this.offset;
    this.offset = (this.offset + 1) >>> 0;
    for (let index = 0; index < count; index++) out[index] = normalAt(offset, index, this.keyLow, this.keyHigh);
    return out;
  }

  /**
   * The window [y, y+height) × [x, x+width) of every channel of a draw of shape [1, C, H, W] at `offset`,
   * without drawing the rest: Philox is counter-based, so each element depends only on (offset, index).
   * Gives exactly what cutting that window out of a full randn at that offset gives. Does not advance.
   */
  randnWindow(offset: number, fieldDims: readonly number[], window: { x: number; y: number; width: number; height: number }): Float32Array {
    elementCount(fieldDims);
    const [batch, channels, fieldHeight, fieldWidth] = fieldDims;
    const { x, y, width, height } = window;
    if (fieldDims.length !== 4 || batch !== 1 || x < 0 || y < 0 || x + width > fieldWidth || y + height > fieldHeight) {
      throw new Error(`window ${JSON.stringify(window)} does not lie inside a [1,C,H,W] field of [${fieldDims.join(', ')}]`);
    }
    const out = new Float32Array(channels * height * width);
    let o = 0;
    for (let c = 0; c < channels; c++) {
      for (let row = 0; row < height; row++) {
        const base = (c * fieldHeight + y + row) * fieldWidth + x;
        for (let col = 0; col < width; col++) out[o++] = normalAt(offset >>> 0, base + col, this.keyLow, this.keyHigh);
      }
    }
    return out;
  }
}

/** One standard normal: Philox of counter (offset, 0, index, 0), Box–Muller of its first two words. */
function normalAt(offset: number, index: number, keyLow: number, keyHigh: number): number {
  philoxInto(offset | 0, 0, index | 0, 0, keyLow | 0, keyHigh | 0);
  // Box–Muller, first output only: u in (0, 1], v in (0, 2π); same operation order as A1111.
  const u = (words[0] >>> 0) * TWO_POW32_INV + TWO_POW32_INV / 2;
  const v = (words[1] >>> 0) * TWO_POW32_INV_2PI + TWO_POW32_INV_2PI / 2;
  return sqrt(-2 * log(u)) * sin(v);
}

/** A fresh seed for "seed −1", uniform over [0, 2^32 − 1], from the OS's cryptographic source. */
export function randomSeed(): number {
  return randomInt(0, TWO_POW32);
}
