/** Prompt text → CLIP conditioning: tokenizer, A1111 emphasis, 77-token chunks, weighted encodings. */
export { ClipTokenizer } from './clip-tokenizer';
export { cleanPromptText } from './clean-text';
export { BREAK_WEIGHT, isBreakEntry, parsePromptAttention } from './prompt-parser';
export {
  CHUNK_LENGTH,
  buildChunks,
  emptyChunk,
  padToSameChunkCount,
  type ChunkOptions,
  type ChunkTokenizer,
  type PromptChunk,
} from './chunks';
export { applyChunkWeights, encodePrompt, type ChunkEncoder } from './conditioning';
