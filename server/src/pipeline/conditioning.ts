import { guidanceScaleEmbedding } from '../schedulers/lcm-distilled';
import { Tensor, tensor } from '../tensor';
import { buildChunks, ChunkTokenizer, emptyChunk, padToSameChunkCount, PromptChunk } from '../text/chunks';
import { applyChunkWeights } from '../text/conditioning';
import type { DiffusionRuntime } from './runtime';

export interface ConditioningRequest {
  prompt: string;
  negativePrompt: string;
  guidanceScale: number;
  emphasis: boolean;
}

/** guidance ≤ 1 means plain conditional sampling: one UNet pass, no negative prompt (DESIGN §4). */
export function usesGuidance(guidanceScale: number): boolean {
  return guidanceScale > 1;
}

/**
 * Whether the UNet runs the CFG batch [uncond, cond]. A UNet with a guidance embedding (`timestep_cond`,
 * LCM-distilled) never does: it gets w = cfg − 1 as an embedding and one conditional pass, as diffusers'
 * pipelines run such a UNet (`do_classifier_free_guidance` is false when `time_cond_proj_dim` is set).
 */
export function usesCfgBatch(runtime: Pick<DiffusionRuntime, 'timestepCondDim'>, guidanceScale: number): boolean {
  return !runtime.timestepCondDim && usesGuidance(guidanceScale);
}

/** The [1, D] `timestep_cond` for UNets that take one (w = cfg − 1, diffusers' LCM pipelines); else undefined. */
export function guidanceEmbeddingFor(runtime: Pick<DiffusionRuntime, 'timestepCondDim'>, guidanceScale: number): Tensor | undefined {
  const dim = runtime.timestepCondDim;
  if (!dim) return undefined;
  return tensor(guidanceScaleEmbedding(guidanceScale - 1, dim), [1, dim]);
}

/**
 * Encodes prompt and negative prompt to the UNet's encoder_hidden_states: [2, 77k, D] in the order
 * [uncond, cond] with guidance, else [1, 77k, D]. Each 77-token chunk is encoded separately, weighted
 * with A1111's mean restore, and the chunks are concatenated on the sequence axis.
 */
export async function encodeConditioning(
  runtime: DiffusionRuntime,
  tokenizer: ChunkTokenizer,
  request: ConditioningRequest,
  timings: Record<string, number>,
): Promise<Tensor> {
  const t0 = performance.now();
  const options = { emphasis: request.emphasis };
  let cond = buildChunks(request.prompt, tokenizer, options);
  const guided = usesCfgBatch(runtime, request.guidanceScale);
  let uncond: PromptChunk[] = [];
  if (guided) {
    uncond = buildChunks(request.negativePrompt, tokenizer, options);
    [cond, uncond] = padToSameChunkCount(cond, uncond, emptyChunk(tokenizer));
  }
  const t1 = performance.now();
  timings.tokenize = (timings.tokenize ?? 0) + (t1 - t0);

  // One encoder call for every chunk of both prompts.
  const all = [...uncond, ...cond];
  const hidden = await runtime.encodeText(all.map((c) => c.ids));
  const [, seq, dim] = hidden.dims;
  const perChunk = seq * dim;
  const rows = guided ? 2 : 1;
  const chunks = cond.length;
  const out = new Float32Array(rows * chunks * perChunk);
  all.forEach((chunk, i) => {
    const weighted = applyChunkWeights(hidden.data.subarray(i * perChunk, (i + 1) * perChunk), chunk.weights, dim);
    out.set(weighted, i * perChunk); // uncond chunks first, then cond: exactly [uncond..., cond...] rows
  });
  timings.textEncoder = (timings.textEncoder ?? 0) + (performance.now() - t1);
  return tensor(out, [rows, chunks * seq, dim]);
}
