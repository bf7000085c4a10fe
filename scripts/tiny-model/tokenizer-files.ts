/**
 * A small CLIP BPE tokenizer in the exact file format of SD 1.5's (`tokenizer/vocab.json`, `merges.txt`, …):
 * ids 0–255 are GPT-2's byte-level characters, 256–511 the same with `</w>`, then one token per merge, then
 * `<|startoftext|>` and `<|endoftext|>` as the last two ids (CLIP's `SimpleTokenizer` builds its vocab this way).
 * The merges are learned deterministically from a short word list of prompt vocabulary.
 */

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';
const MAX_MERGES = 400;

/** Words learned with extra weight (they dominate prompts), then general words. */
const PROMPT_WORDS = [
  'a', 'photo', 'of', 'the', 'cat', 'dog', 'eyes', 'best', 'quality', 'portrait', 'painting', 'face', 'skin',
  'detailed', 'high', 'resolution', 'sharp', 'focus', 'light', 'lighting', 'masterpiece', 'realistic', 'woman',
  'man', 'hair', 'and', 'with', 'in', 'blurry', 'low', 'worst', 'texture', 'color', 'colors', 'background',
];
const GENERAL_WORDS = [
  'an', 'on', 'at', 'by', 'for', 'from', 'is', 'it', 'to', 'as', 'or', 'this', 'that', 'his', 'her', 'their',
  'old', 'new', 'young', 'red', 'green', 'blue', 'black', 'white', 'gold', 'golden', 'dark', 'bright', 'soft',
  'warm', 'cold', 'morning', 'evening', 'night', 'sunset', 'forest', 'mountain', 'river', 'sea', 'sky', 'city',
  'street', 'house', 'garden', 'flower', 'flowers', 'tree', 'trees', 'water', 'stone', 'wood', 'glass', 'metal',
  'oil', 'canvas', 'film', 'camera', 'lens', 'studio', 'natural', 'cinematic', 'beautiful', 'smile', 'hands',
  'fingers', 'nose', 'mouth', 'lips', 'teeth', 'ears', 'clothes', 'dress', 'shirt', 'hat', 'landscape', 'art',
  'style', 'artist', 'drawing', 'sketch', 'render', 'digital', 'noise', 'grain', 'pores', 'freckles', 'wrinkles',
  'shadow', 'shadows', 'reflection', 'depth', 'field', 'bokeh', 'close', 'up', 'full', 'body', 'standing',
  'sitting', 'looking', 'viewer', 'small', 'large', 'very', 'ultra', 'extremely', 'intricate', 'fine', 'details',
];

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 and up (in byte order). */
export function byteLevelCharacters(): string[] {
  const ranges: [number, number][] = [
    [0x21, 0x7e], // '!'..'~'
    [0xa1, 0xac], // '¡'..'¬'
    [0xae, 0xff], // '®'..'ÿ'
  ];
  const bytes: number[] = [];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) bytes.push(b);
  const codePoints = [...bytes];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      codePoints.push(256 + extra++);
    }
  }
  return codePoints.map((codePoint) => String.fromCharCode(codePoint));
}

/**
 * Byte-pair-encoding training: repeatedly merge the most frequent adjacent pair (ties: the lexicographically
 * smallest), skipping pairs whose merged string is already a token so that every vocab entry is unique.
 */
export function learnMerges(weightedWords: ReadonlyMap<string, number>, maxMerges: number, known: ReadonlySet<string>): [string, string][] {
  const words = [...weightedWords].map(([word, weight]) => ({ symbols: wordSymbols(word), weight }));
  const tokens = new Set(known);
  const merges: [string, string][] = [];
  while (merges.length < maxMerges) {
    const counts = new Map<string, number>();
    for (const { symbols, weight } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + weight);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, count] of counts) {
      if (tokens.has(key.replace(' ', ''))) continue;
      if (count > bestCount || (count === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    if (best === undefined) break;
    const [left, right] = best.split(' ');
    merges.push([left, right]);
    tokens.add(left + right);
    for (const word of words) word.symbols = mergePair(word.symbols, left, right);
  }
  return merges;
}

/** A word as initial BPE symbols: characters, the last one marked end-of-word (CLIP's convention). */
function wordSymbols(word: string): string[] {
  const characters = [...word];
  characters[characters.length - 1] += END_OF_WORD;
  return characters;
}

function mergePair(symbols: readonly string[], left: string, right: string): string[] {
  const merged: string[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      merged.push(left + right);
      i++;
    } else {
      merged.push(symbols[i]);
    }
  }
  return merged;
}

export interface TokenizerFiles {
  /** File name (inside `tokenizer/`) → contents. */
  files: Record<string, string>;
  vocabSize: number;
}

export function makeTokenizerFiles(): TokenizerFiles {
  const characters = byteLevelCharacters();
  const baseTokens = [...characters, ...characters.map((c) => c + END_OF_WORD)];
  const weightedWords = new Map<string, number>();
  for (const word of PROMPT_WORDS) weightedWords.set(word, 4);
  for (const word of GENERAL_WORDS) weightedWords.set(word, 1);
  const merges = learnMerges(weightedWords, MAX_MERGES, new Set(baseTokens));
  const vocab = [...baseTokens, ...merges.map(([left, right]) => left + right), START_OF_TEXT, END_OF_TEXT];

  return {
    vocabSize: vocab.length,
    files: {
      'vocab.json': vocabJson(vocab),
      'merges.txt': ['#version: 0.2', ...merges.map(([left, right]) => `${left} ${right}`)].join('\n') + '\n',
      'special_tokens_map.json': json(specialTokensMap()),
      'tokenizer_config.json': json(tokenizerConfig()),
    },
  };
}

/**
 * vocab.json as transformers writes it (keys sorted, indent 2). Written by hand because a JS object would put
 * integer-like keys ("0", "1", …) first.
 */
function vocabJson(vocab: readonly string[]): string {
  const entries = vocab.map((token, id) => [token, id] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{\n${entries.map(([token, id]) => `  ${JSON.stringify(token)}: ${id}`).join(',\n')}\n}\n`;
}

function addedToken(content: string, withType: boolean): Record<string, unknown> {
  return {
    ...(withType ? { __type: 'AddedToken' } : {}),
    content,
    lstrip: false,
    normalized: true,
    rstrip: false,
    single_word: false,
  };
}

function specialTokensMap(): Record<string, unknown> {
  return {
    bos_token: addedToken(START_OF_TEXT, false),
    eos_token: addedToken(END_OF_TEXT, false),
    pad_token: END_OF_TEXT,
    unk_token: addedToken(END_OF_TEXT, false),
  };
}

function tokenizerConfig(): Record<string, unknown> {
  return {
    add_prefix_space: false,
    bos_token: addedToken(START_OF_TEXT, true),
    do_lower_case: true,
    eos_token: addedToken(END_OF_TEXT, true),
    errors: 'replace',
    model_max_length: 77,
    name_or_path: 'insaneres/tiny-model',
    pad_token: END_OF_TEXT,
    special_tokens_map_file: './special_tokens_map.json',
    tokenizer_class: 'CLIPTokenizer',
    unk_token: addedToken(END_OF_TEXT, true),
  };
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}
