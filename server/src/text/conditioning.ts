import { CHUNK_LENGTH, type PromptChunk } from './chunks';

/**
 * A1111's "Original" emphasis (stable-diffusion-webui `modules/sd_emphasis.py`, `EmphasisOriginal`):
 * each token's encoder output is multiplied by its weight, then the whole chunk is rescaled so that its
 * mean over all tokens and channels is what it was before ("restoring original mean is likely not
 * correct, but it seems to work well to prevent artifacts").
 *
 * `hidden` is one chunk's encoder output, weights.length × dim values in token-major order.
 * Returns a new array; `hidden` is not modified.
 */
export function applyChunkWeights(hidden: Float32Array, weights: readonly number[], dim: number): Float32Array {
  if (hidden.length !== weights.length * dim) {
    throw new Error(`encoder output has ${hidden.length} values, expected ${weights.length} tokens × ${dim}`);
  }
  if (weights.every((weight) => weight === 1)) return hidden.slice();

  // Sums in float64: 77 × 768 float32 additions would otherwise drift in the last digits.
  let originalSum = 0;
  let weightedSum = 0;
  const weighted = new Float64Array(hidden.length);
  for (let token = 0; token < weights.length; token++) {
    const weight = weights[token];
    for (let channel = token * dim; channel < (token + 1) * dim; channel++) {
      originalSum += hidden[channel];
      weighted[channel] = hidden[channel] * weight;
      weightedSum += weighted[channel];
    }
  }

  // Deviation: A1111 divides by a zero mean too (all weights 0) and fills the chunk with NaN; we skip
  // the rescale then. The means share a denominator, so the ratio of sums is the ratio of means.
  const restore = weightedSum !== 0 ? originalSum / weightedSum : 1;
  const out = new Float32Array(hidden.length);
  for (let i = 0; i < out.length; i++) out[i] = weighted[i] * restore;
  return out;
}

/** Runs the text encoder on one chunk's CHUNK_LENGTH ids; returns CHUNK_LENGTH × dim values. */
export type ChunkEncoder = (ids: number[]) => Promise<Float32Array>;

/**
 * Encodes every chunk, applies its weights and concatenates the results on the sequence axis:
 * (CHUNK_LENGTH × chunks.length) × dim values, ready to be the UNet's encoder_hidden_states.
 * Chunks with identical ids (e.g. empty-prompt padding) run through the encoder once.
 */
export async function encodePrompt(
  chunks: readonly PromptChunk[],
  encodeChunk: ChunkEncoder,
  dim: number,
): Promise<Float32Array> {
  const chunkSize = CHUNK_LENGTH * dim;
  const out = new Float32Array(chunks.length * chunkSize);
  const encoded = new Map<string, Float32Array>();

  for (const [index, chunk] of chunks.entries()) {
    const key = chunk.ids.join(',');
    let hidden = encoded.get(key);
    if (hidden === undefined) {
      // One at a time: the encoder runs in the inference worker, which takes one call at a time anyway.
      hidden = await encodeChunk(chunk.ids);
      if (hidden.length !== chunkSize) {
        throw new Error(`text encoder returned ${hidden.length} values for a chunk, expected ${CHUNK_LENGTH} × ${dim}`);
      }
      encoded.set(key, hidden);
    }
    out.set(applyChunkWeights(hidden, chunk.weights, dim), index * chunkSize);
  }
  return out;
}
