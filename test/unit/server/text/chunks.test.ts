import * as path from 'path';
import {
  CHUNK_LENGTH,
  ClipTokenizer,
  buildChunks,
  emptyChunk,
  padToSameChunkCount,
  type PromptChunk,
} from '../../../../server/src/text';
import { sharedData } from '../../../helpers/shared-data';

const repeat = <T>(value: T, count: number): T[] => new Array<T>(count).fill(value);
const EMPHASIS = { emphasis: true };

/**
 * A hand-made vocabulary with no merges: every single-letter word is one token, so token positions in
 * a chunk are easy to count. Its special ids differ from CLIP's on purpose.
 */
const BOS = 1000;
const EOS = 1001;
const COMMA = 7;
const A = 10;
const B = 11;
const C = 12;
const tiny = ClipTokenizer.fromText(
  JSON.stringify({
    '<|startoftext|>': BOS,
    '<|endoftext|>': EOS,
    ',</w>': COMMA,
    'a</w>': A,
    'b</w>': B,
    'c</w>': C,
    '(</w>': 20,
    ')</w>': 21,
    ':</w>': 22,
    '1</w>': 23,
    '.</w>': 24,
    '5</w>': 25,
  }),
  '#version: 0.2\n',
);

/** BOS, the prompt tokens, then EOS to CHUNK_LENGTH. */
const chunkIds = (tokens: number[]): number[] => [BOS, ...tokens, ...repeat(EOS, CHUNK_LENGTH - 1 - tokens.length)];
const words = (word: string, count: number): string => repeat(word, count).join(' ');

describe('buildChunks (hand-made vocabulary)', () => {
  it('turns the empty prompt into one chunk of BOS + EOS padding, weights 1', () => {
    const chunks = buildChunks('', tiny, EMPHASIS);
    expect(chunks).toEqual([{ ids: [BOS, ...repeat(EOS, 76)], weights: repeat(1, 77) }]);
    expect(chunks).toEqual([emptyChunk(tiny)]);
  });

  it('wraps a short prompt in BOS / EOS and pads with EOS', () => {
    expect(buildChunks('a b c', tiny, EMPHASIS)).toEqual([{ ids: chunkIds([A, B, C]), weights: repeat(1, 77) }]);
  });

  it('fits exactly 75 tokens in one chunk and starts a second at the 76th', () => {
    const full = buildChunks(words('a', 75), tiny, EMPHASIS);
    expect(full.map((chunk) => chunk.ids)).toEqual([[BOS, ...repeat(A, 75), EOS]]);

    const over = buildChunks(`${words('a', 75)} b`, tiny, EMPHASIS);
    expect(over.map((chunk) => chunk.ids)).toEqual([[BOS, ...repeat(A, 75), EOS], chunkIds([B])]);
  });

  it('moves the words after a comma within the last 20 tokens to the next chunk', () => {
    // 70 a, comma at position 70, then 10 b: when the 76th token arrives the comma is 5 back.
    const chunks = buildChunks(`${words('a', 70)} , ${words('b', 10)}`, tiny, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([chunkIds([...repeat(A, 70), COMMA]), chunkIds(repeat(B, 10))]);
    expect(chunks.every((chunk) => chunk.ids.length === 77 && chunk.weights.length === 77)).toBe(true);
  });

  it('backtracks when the comma is exactly 20 tokens back (75 - 55)', () => {
    const chunks = buildChunks(`${words('a', 55)} , ${words('b', 30)}`, tiny, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([chunkIds([...repeat(A, 55), COMMA]), chunkIds(repeat(B, 30))]);
  });

  it('cuts hard at 75 tokens when the comma is 21 back (75 - 54)', () => {
    const chunks = buildChunks(`${words('a', 54)} , ${words('b', 30)}`, tiny, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([
      [BOS, ...repeat(A, 54), COMMA, ...repeat(B, 20), EOS],
      chunkIds(repeat(B, 10)),
    ]);
  });

  it('starts the next chunk with a comma that arrives as the 76th token (as A1111)', () => {
    const chunks = buildChunks(`${words('a', 75)} , b`, tiny, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([[BOS, ...repeat(A, 75), EOS], chunkIds([COMMA, B])]);
  });

  it('carries the weights of the words it moves', () => {
    const chunks = buildChunks(`${words('a', 72)} , (b b b b:1.5)`, tiny, EMPHASIS);
    expect(chunks[0].ids).toEqual(chunkIds([...repeat(A, 72), COMMA]));
    expect(chunks[1].ids).toEqual(chunkIds(repeat(B, 4)));
    expect(chunks[1].weights).toEqual([1, 1.5, 1.5, 1.5, 1.5, ...repeat(1, 72)]);
  });

  it('starts a new chunk at BREAK', () => {
    expect(buildChunks('a BREAK b', tiny, EMPHASIS).map((chunk) => chunk.ids)).toEqual([chunkIds([A]), chunkIds([B])]);
  });

  it('gives an empty chunk for a leading BREAK and none for a trailing one (as A1111)', () => {
    expect(buildChunks('BREAK a', tiny, EMPHASIS).map((chunk) => chunk.ids)).toEqual([chunkIds([]), chunkIds([A])]);
    expect(buildChunks('a BREAK', tiny, EMPHASIS).map((chunk) => chunk.ids)).toEqual([chunkIds([A])]);
  });

  it('does not add an empty chunk when BREAK follows a full chunk', () => {
    const chunks = buildChunks(`${words('a', 75)} BREAK b`, tiny, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([[BOS, ...repeat(A, 75), EOS], chunkIds([B])]);
  });

  it('puts each run weight on its own tokens and 1 on BOS, EOS and padding', () => {
    const [chunk] = buildChunks('a (b:1.5) [c] (a b)', tiny, EMPHASIS);
    expect(chunk.ids).toEqual(chunkIds([A, B, C, A, B]));
    expect(chunk.weights.slice(0, 7)).toEqual([1, 1, 1.5, 1 / 1.1, 1.1, 1.1, 1]);
    expect(chunk.weights.slice(6)).toEqual(repeat(1, 71));
  });

  it('with emphasis off, reads brackets and weights as text with weight 1', () => {
    const [chunk] = buildChunks('a (b:1.5)', tiny, { emphasis: false });
    expect(chunk.ids).toEqual(chunkIds([A, 20, B, 22, 23, 24, 25, 21]));
    expect(chunk.weights).toEqual(repeat(1, 77));
  });
});

describe('padToSameChunkCount', () => {
  const one: PromptChunk = { ids: [1], weights: [1] };
  const two: PromptChunk = { ids: [2], weights: [1] };
  const empty: PromptChunk = { ids: [0], weights: [1] };

  it('pads the shorter list at the end with the empty chunk', () => {
    expect(padToSameChunkCount([one, two, one], [two], empty)).toEqual([
      [one, two, one],
      [two, empty, empty],
    ]);
    expect(padToSameChunkCount([one], [two, two], empty)).toEqual([
      [one, empty],
      [two, two],
    ]);
  });

  it('leaves equal lists alone and does not modify its inputs', () => {
    const a = [one];
    const b = [two];
    const [paddedA, paddedB] = padToSameChunkCount(a, b, empty);
    expect(paddedA).toEqual([one]);
    expect(paddedB).toEqual([two]);
    expect(paddedA).not.toBe(a);
    padToSameChunkCount(a, [two, two], empty);
    expect(a).toEqual([one]);
  });
});

const realDir = sharedData('sd15-tokenizer');
(realDir ? describe : describe.skip)('buildChunks with the real SD 1.5 vocabulary', () => {
  const dir = realDir ?? '';
  let clip: ClipTokenizer;
  beforeAll(() => {
    clip = ClipTokenizer.fromFiles(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
  });
  // Ids of whole words, from vocab.json: cat</w> 2368, dog</w> 1929, ,</w> 267, break</w> 2568.
  const [CLIP_BOS, CLIP_EOS, CAT, DOG, CLIP_COMMA, BREAK_WORD] = [49406, 49407, 2368, 1929, 267, 2568];

  it('gives the DESIGN example with BOS/EOS and EOS padding', () => {
    const chunks = buildChunks('a photo of a cat', clip, EMPHASIS);
    expect(chunks).toEqual([
      { ids: [49406, 320, 1125, 539, 320, 2368, 49407, ...repeat(49407, 70)], weights: repeat(1, 77) },
    ]);
  });

  it('gives one chunk [49406, 49407 × 76] for the empty prompt', () => {
    expect(buildChunks('', clip, EMPHASIS)).toEqual([{ ids: [49406, ...repeat(49407, 76)], weights: repeat(1, 77) }]);
  });

  it('splits a prompt longer than 75 tokens into 77-token chunks', () => {
    const chunks = buildChunks(words('cat', 100), clip, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([
      [CLIP_BOS, ...repeat(CAT, 75), CLIP_EOS],
      [CLIP_BOS, ...repeat(CAT, 25), ...repeat(CLIP_EOS, 51)],
    ]);
  });

  it('backtracks to a real comma', () => {
    const chunks = buildChunks(`${words('cat', 70)}, ${words('dog', 10)}`, clip, EMPHASIS);
    expect(chunks.map((chunk) => chunk.ids)).toEqual([
      [CLIP_BOS, ...repeat(CAT, 70), CLIP_COMMA, ...repeat(CLIP_EOS, 5)],
      [CLIP_BOS, ...repeat(DOG, 10), ...repeat(CLIP_EOS, 66)],
    ]);
  });

  it('breaks at BREAK with emphasis on, and reads it as the word "break" with emphasis off (as A1111)', () => {
    expect(buildChunks('cat BREAK dog', clip, EMPHASIS).map((chunk) => chunk.ids.slice(0, 3))).toEqual([
      [CLIP_BOS, CAT, CLIP_EOS],
      [CLIP_BOS, DOG, CLIP_EOS],
    ]);
    const off = buildChunks('cat BREAK dog', clip, { emphasis: false });
    expect(off.map((chunk) => chunk.ids.slice(0, 5))).toEqual([[CLIP_BOS, CAT, BREAK_WORD, DOG, CLIP_EOS]]);
  });

  it('weights only the emphasised token', () => {
    const [chunk] = buildChunks('a photo of a (cat:1.5)', clip, EMPHASIS);
    expect(chunk.ids.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(chunk.weights).toEqual([1, 1, 1, 1, 1, 1.5, ...repeat(1, 71)]);
    const [plain] = buildChunks('a photo of a (cat:1.5)', clip, { emphasis: false });
    expect(plain.weights).toEqual(repeat(1, 77));
  });
});
