/**
 * Seeded random numbers for the tiny model's weights. mulberry32 (Tommy Ettinger's 32-bit generator) uses only
 * integer arithmetic, so the same seed gives bit-identical weights on every platform and Node version.
 */
/**
 * Bound once: a global looked up per call is slow where this runs inside jest's sandbox (every test that
 * generates a model), and `next` runs once per weight.
 */
const imul = Math.imul;

export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** `count` values uniform in [-bound, bound). */
  uniform(count: number, bound: number): Float32Array {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = (this.next() * 2 - 1) * bound;
    return values;
  }
}

/** A generator per model part, so that changing one model's options leaves the others' weights unchanged. */
export function prngFor(seed: number, part: string): Prng {
  let hash = seed >>> 0;
  for (let i = 0; i < part.length; i++) hash = Math.imul(hash ^ part.charCodeAt(i), 0x9e3779b1) >>> 0;
  return new Prng(hash);
}
