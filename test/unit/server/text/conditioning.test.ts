import { CHUNK_LENGTH, applyChunkWeights, encodePrompt, type PromptChunk } from '../../../../server/src/text';

const repeat = <T>(value: T, count: number): T[] => new Array<T>(count).fill(value);

describe('applyChunkWeights', () => {
  it('weights each token, then restores the original mean (hand-computed, 3 tokens × D=2)', () => {
    // mean before = (1+2+3+4+5+6)/6 = 3.5; weighted = [1,2, 6,8, 5,6], mean 28/6;
    // restore factor = 3.5 / (28/6) = 0.75.
    const out = applyChunkWeights(new Float32Array([1, 2, 3, 4, 5, 6]), [1, 2, 1], 2);
    expect(Array.from(out)).toEqual([0.75, 1.5, 4.5, 6, 3.75, 4.5]);
  });

  it('handles a weight below 1 and negative values (hand-computed)', () => {
    // [2,-2, 4,0] with weights [0.5, 1]: mean before = 4/4 = 1; weighted = [1,-1, 4,0], mean 1 → factor 1.
    expect(Array.from(applyChunkWeights(new Float32Array([2, -2, 4, 0]), [0.5, 1], 2))).toEqual([1, -1, 4, 0]);
    // [1,1, 1,1] with weights [3, 1]: mean 1 → weighted [3,3,1,1], mean 2 → factor 0.5.
    expect(Array.from(applyChunkWeights(new Float32Array([1, 1, 1, 1]), [3, 1], 2))).toEqual([1.5, 1.5, 0.5, 0.5]);
  });

  it('returns an unchanged copy when every weight is 1', () => {
    const hidden = new Float32Array([0.1, -0.2, 0.3, 0.4]);
    const out = applyChunkWeights(hidden, [1, 1], 2);
    expect(out).toEqual(hidden);
    expect(out).not.toBe(hidden);
  });

  it('does not modify its input', () => {
    const hidden = new Float32Array([1, 2, 3, 4]);
    applyChunkWeights(hidden, [2, 1], 2);
    expect(Array.from(hidden)).toEqual([1, 2, 3, 4]);
  });

  it('skips the rescale when the weighted mean is 0 instead of dividing by it', () => {
    expect(Array.from(applyChunkWeights(new Float32Array([1, 2, 3, 4]), [0, 0], 2))).toEqual([0, 0, 0, 0]);
  });

  it('rejects an output that does not match tokens × dim', () => {
    expect(() => applyChunkWeights(new Float32Array(5), [1, 1], 2)).toThrow(/expected 2 tokens × 2/);
  });
});

describe('encodePrompt', () => {
  const DIM = 2;
  const ones = (): number[] => repeat(1, CHUNK_LENGTH);
  const chunk = (first: number, weights: number[] = ones()): PromptChunk => ({
    ids: [first, ...repeat(0, CHUNK_LENGTH - 1)],
    weights,
  });
  /** A stand-in text encoder: every value of a chunk equals its first id. */
  const fakeEncoder = () => {
    const calls: number[][] = [];
    const encode = async (ids: number[]): Promise<Float32Array> => {
      calls.push(ids);
      return new Float32Array(CHUNK_LENGTH * DIM).fill(ids[0]);
    };
    return { calls, encode };
  };

  it('concatenates the chunks on the sequence axis, in order', async () => {
    const encoder = fakeEncoder();
    const out = await encodePrompt([chunk(1), chunk(2)], encoder.encode, DIM);
    expect(out.length).toBe(2 * CHUNK_LENGTH * DIM);
    expect(Array.from(out.subarray(0, CHUNK_LENGTH * DIM))).toEqual(repeat(1, CHUNK_LENGTH * DIM));
    expect(Array.from(out.subarray(CHUNK_LENGTH * DIM))).toEqual(repeat(2, CHUNK_LENGTH * DIM));
  });

  it("applies each chunk's own weights with the mean restore (hand-computed)", async () => {
    // Chunk of 77 × 2 ones, token 1 weighted 2: sum 154 → weighted sum 156, factor 154/156.
    const weights = ones();
    weights[1] = 2;
    const out = await encodePrompt([chunk(1), chunk(1, weights)], fakeEncoder().encode, DIM);
    const second = Array.from(out.subarray(CHUNK_LENGTH * DIM));
    const factor = 154 / 156;
    expect(second[0]).toBeCloseTo(factor, 6);
    expect(second[2]).toBeCloseTo(2 * factor, 6);
    expect(second[3]).toBeCloseTo(2 * factor, 6);
    expect(second[4]).toBeCloseTo(factor, 6);
    expect(Array.from(out.subarray(0, CHUNK_LENGTH * DIM))).toEqual(repeat(1, CHUNK_LENGTH * DIM));
  });

  it('runs the encoder once for chunks with identical ids', async () => {
    const encoder = fakeEncoder();
    await encodePrompt([chunk(3), chunk(0), chunk(0), chunk(0)], encoder.encode, DIM);
    expect(encoder.calls.map((ids) => ids[0])).toEqual([3, 0]);
  });

  it('rejects an encoder output of the wrong size', async () => {
    const short = async (): Promise<Float32Array> => new Float32Array(10);
    await expect(encodePrompt([chunk(1)], short, DIM)).rejects.toThrow(/expected 77 × 2/);
  });
});
