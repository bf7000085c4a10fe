import type { ClipTokenizer } from './clip-tokenizer';
import { isBreakEntry, parsePromptAttention } from './prompt-parser';

/**
 * Long prompts as A1111 splits them (stable-diffusion-webui `modules/sd_hijack_clip.py`,
 * `tokenize_line`): 75 prompt tokens per chunk between <|startoftext|> and <|endoftext|>, padded with
 * <|endoftext|> (SD 1.x pads with EOS), one weight per token (1 on BOS, EOS and padding).
 */

/** Tokens per chunk as the text encoder sees them: BOS + 75 prompt tokens + EOS. */
export const CHUNK_LENGTH = 77;
const PROMPT_TOKENS_PER_CHUNK = CHUNK_LENGTH - 2;
/**
 * A1111's `comma_padding_backtrack` default: when a chunk fills up and its last comma is at most this
 * many tokens back, the words after the comma move to the next chunk instead of being cut in two.
 */
const COMMA_BACKTRACK = 20;
const COMMA = ',</w>';

export interface PromptChunk {
  /** CHUNK_LENGTH ids: BOS, prompt tokens, EOS padding. */
  ids: number[];
  /** CHUNK_LENGTH multipliers for the encoder output, one per id. */
  weights: number[];
}

export interface ChunkOptions {
  /** A1111 emphasis syntax; when off the prompt is one weight-1 run and brackets are plain text. */
  emphasis: boolean;
}

/** What chunking needs of a tokenizer (a ClipTokenizer, or a stand-in in tests). */
export type ChunkTokenizer = Pick<ClipTokenizer, 'bos' | 'eos' | 'encode' | 'tokenId'>;

/** The chunk of the empty prompt: BOS then EOS to the end, weights 1 (A1111's `empty_chunk`). */
export function emptyChunk(tokenizer: ChunkTokenizer): PromptChunk {
  return {
    ids: [tokenizer.bos, ...new Array<number>(CHUNK_LENGTH - 1).fill(tokenizer.eos)],
    weights: new Array<number>(CHUNK_LENGTH).fill(1),
  };
}

/** Splits a prompt into 77-token chunks with per-token weights; always at least one chunk. */
export function buildChunks(prompt: string, tokenizer: ChunkTokenizer, options: ChunkOptions): PromptChunk[] {
  // As A1111 with emphasis "None": no parsing at all, so BREAK is an ordinary word there too.
  const parsed: Array<[string, number]> = options.emphasis ? parsePromptAttention(prompt) : [[prompt, 1]];
  const comma = tokenizer.tokenId(COMMA);

  const chunks: PromptChunk[] = [];
  let ids: number[] = [];
  let weights: number[] = [];
  let lastComma = -1;

  const finishChunk = (): void => {
    const padding = PROMPT_TOKENS_PER_CHUNK - ids.length;
    chunks.push({
      ids: [tokenizer.bos, ...ids, ...new Array<number>(padding + 1).fill(tokenizer.eos)],
      weights: [1, ...weights, ...new Array<number>(padding + 1).fill(1)],
    });
    ids = [];
    weights = [];
    lastComma = -1;
  };

  for (const entry of parsed) {
    if (isBreakEntry(entry)) {
      finishChunk();
      continue;
    }
    const [text, weight] = entry;
    // Each run is tokenized on its own, as A1111 does (so "(cat)s" is "cat" + "s", not "cats").
    for (const token of tokenizer.encode(text)) {
      if (token === comma) {
        lastComma = ids.length;
      } else if (
        ids.length === PROMPT_TOKENS_PER_CHUNK &&
        lastComma !== -1 &&
        ids.length - lastComma <= COMMA_BACKTRACK
      ) {
        const breakAt = lastComma + 1;
        const movedIds = ids.slice(breakAt);
        const movedWeights = weights.slice(breakAt);
        ids = ids.slice(0, breakAt);
        weights = weights.slice(0, breakAt);
        finishChunk();
        ids = movedIds;
        weights = movedWeights;
      }
      if (ids.length === PROMPT_TOKENS_PER_CHUNK) finishChunk();
      ids.push(token);
      weights.push(weight);
    }
  }
  // A chunk is flushed only when the next token needs room, so a prompt of exactly 75 tokens is one
  // chunk and a trailing BREAK adds none.
  if (ids.length > 0 || chunks.length === 0) finishChunk();
  return chunks;
}

/**
 * Pads the shorter of two chunk lists (cond / uncond) with `empty` until both have as many, so that
 * their encodings have the same sequence length (A1111's `pad_cond_uncond`). Generic so that it serves
 * chunks and encoded chunks alike; the inputs are not modified.
 */
export function padToSameChunkCount<T>(a: readonly T[], b: readonly T[], empty: T): [T[], T[]] {
  const count = Math.max(a.length, b.length);
  const pad = (list: readonly T[]): T[] => [...list, ...new Array<T>(count - list.length).fill(empty)];
  return [pad(a), pad(b)];
}
