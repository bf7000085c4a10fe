import * as fs from 'fs';
import { cleanPromptText } from './clean-text';

/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP `simple_tokenizer.py`, HF `CLIPTokenizer`), read from a
 * model's `tokenizer/vocab.json` and `tokenizer/merges.txt`. Works with the real SD 1.5 vocabulary
 * and with any smaller one in the same format (the tiny test model's): special ids come from the vocab.
 */

const START_OF_TEXT = '<|startoftext|>';
const END_OF_TEXT = '<|endoftext|>';
const END_OF_WORD = '</w>';

/**
 * CLIP's pre-tokenizer: special tokens, English contractions, letter runs, single digits, runs of
 * anything else that is not a space. Applied to lowercased text, so CLIP's IGNORECASE changes nothing.
 */
const PRE_TOKEN =
  /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu;

/** A long-running server sees many prompts; the per-word cache is dropped when it grows past this. */
const MAX_CACHED_WORDS = 20000;

/**
 * GPT-2/CLIP `bytes_to_unicode`: every byte gets a printable character so that BPE works on strings.
 * Printable Latin-1 bytes map to themselves, the rest to U+0100 onwards, in byte order.
 */
function byteToUnicodeTable(): string[] {
  const table: string[] = new Array<string>(256);
  const printable = (b: number): boolean =>
    (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let next = 256;
  for (let b = 0; b < 256; b++) table[b] = String.fromCharCode(printable(b) ? b : next++);
  return table;
}

const BYTE_TO_UNICODE = byteToUnicodeTable();
const utf8 = new TextEncoder();

function parseVocab(vocabJson: string): Map<string, number> {
  const parsed: unknown = JSON.parse(vocabJson);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('vocab.json must be a JSON object mapping tokens to ids');
  }
  // A Map, not the object itself: vocab keys such as "constructor" must not meet Object.prototype.
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new Error(`vocab.json: token ${JSON.stringify(token)} has id ${String(id)}, expected an integer >= 0`);
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** Merge ranks keyed by "first second"; symbols never contain a space (bytes_to_unicode avoids it). */
function parseMerges(mergesTxt: string): Map<string, number> {
  const lines = mergesTxt.split(/\r?\n/);
  // HF drops the first line, the "#version: 0.2" header; merges such as "# #</w>" are real, so only
  // the header is skipped.
  const start = lines.length > 0 && lines[0].startsWith('#version') ? 1 : 0;
  const ranks = new Map<string, number>();
  for (let i = start; i < lines.length; i++) {
    const parts = lines[i].trim().split(/\s+/);
    if (parts.length !== 2) {
      if (lines[i].trim() === '') continue;
      throw new Error(`merges.txt line ${i + 1}: expected two symbols, got ${JSON.stringify(lines[i])}`);
    }
    ranks.set(`${parts[0]} ${parts[1]}`, ranks.size);
  }
  return ranks;
}

export class ClipTokenizer {
  readonly bos: number;
  readonly eos: number;
  readonly vocabSize: number;
  private readonly vocab: Map<string, number>;
  private readonly mergeRanks: Map<string, number>;
  /** HF maps tokens missing from the vocabulary to `unk_token`, which for CLIP is <|endoftext|>. */
  private readonly unknown: number;
  private readonly cache = new Map<string, readonly number[]>();

  private constructor(vocab: Map<string, number>, mergeRanks: Map<string, number>) {
    const bos = vocab.get(START_OF_TEXT);
    const eos = vocab.get(END_OF_TEXT);
    if (bos === undefined || eos === undefined) {
      throw new Error(`vocab.json has no ${START_OF_TEXT} / ${END_OF_TEXT} token`);
    }
    this.vocab = vocab;
    this.mergeRanks = mergeRanks;
    this.bos = bos;
    this.eos = eos;
    this.unknown = eos;
    this.vocabSize = vocab.size;
  }

  static fromFiles(vocabPath: string, mergesPath: string): ClipTokenizer {
    return ClipTokenizer.fromText(fs.readFileSync(vocabPath, 'utf8'), fs.readFileSync(mergesPath, 'utf8'));
  }

  static fromText(vocabJson: string, mergesTxt: string): ClipTokenizer {
    return new ClipTokenizer(parseVocab(vocabJson), parseMerges(mergesTxt));
  }

  /** The id of one vocabulary entry, e.g. `",</w>"`, or undefined when the vocabulary lacks it. */
  tokenId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Token ids of `text` after cleanup, without <|startoftext|> / <|endoftext|> around them. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const match of cleanPromptText(text).matchAll(PRE_TOKEN)) {
      for (const id of this.encodeWord(match[0])) ids.push(id);
    }
    return ids;
  }

  private encodeWord(word: string): readonly number[] {
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;

    let ids: number[];
    if (word === START_OF_TEXT) ids = [this.bos];
    else if (word === END_OF_TEXT) ids = [this.eos];
    else ids = this.bpe(byteEncode(word)).map((symbol) => this.vocab.get(symbol) ?? this.unknown);

    if (this.cache.size >= MAX_CACHED_WORDS) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /**
   * CLIP `bpe()`: start from single characters with "</w>" on the last, then repeatedly merge every
   * occurrence (left to right) of the adjacent pair with the lowest merge rank until none is ranked.
   */
  private bpe(encoded: string): string[] {
    let symbols = Array.from(encoded);
    symbols[symbols.length - 1] += END_OF_WORD;

    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestIndex = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.mergeRanks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;

      const first = symbols[bestIndex];
      const second = symbols[bestIndex + 1];
      const merged: string[] = symbols.slice(0, bestIndex);
      for (let i = bestIndex; i < symbols.length; ) {
        if (i + 1 < symbols.length && symbols[i] === first && symbols[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(symbols[i]);
          i += 1;
        }
      }
      symbols = merged;
    }
    return symbols;
  }
}

/** UTF-8 bytes of a pre-token, each replaced by its bytes_to_unicode character. */
function byteEncode(word: string): string {
  let out = '';
  for (const byte of utf8.encode(word)) out += BYTE_TO_UNICODE[byte];
  return out;
}
