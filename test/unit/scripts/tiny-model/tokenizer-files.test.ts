import * as fs from 'fs';
import * as path from 'path';
import {
  byteLevelCharacters,
  END_OF_TEXT,
  learnMerges,
  makeTokenizerFiles,
  START_OF_TEXT,
} from '../../../../scripts/tiny-model/tokenizer-files';
import { sharedData } from '../../../helpers/shared-data';

const { files, vocabSize } = makeTokenizerFiles();
const vocab = JSON.parse(files['vocab.json']) as Record<string, number>;
const mergeLines = files['merges.txt'].split('\n');
const merges = mergeLines.slice(1, -1).map((line) => line.split(' ') as [string, string]);

/** Textbook BPE on one word (lowest-ranked pair first), independent of the generator's training code. */
function bpe(word: string): string[] {
  const ranks = new Map(merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
  let symbols = [...word];
  symbols[symbols.length - 1] += '</w>';
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`) ?? Infinity;
      if (rank < bestRank) [best, bestRank] = [i, rank];
    }
    if (best < 0) return symbols;
    symbols = [...symbols.slice(0, best), symbols[best] + symbols[best + 1], ...symbols.slice(best + 2)];
  }
}

describe('byte-level characters (GPT-2 bytes_to_unicode)', () => {
  const characters = byteLevelCharacters();

  it('maps printable bytes to themselves and the rest to U+0100 upwards', () => {
    expect(characters).toHaveLength(256);
    expect(new Set(characters).size).toBe(256);
    expect(characters.slice(0, 3)).toEqual(['!', '"', '#']);
    expect(characters[93]).toBe('~'); // 0x21..0x7e are the first 94
    expect(characters[94]).toBe('¡');
    // The 68 remapped bytes come last, in byte order: 0x00 → Ā, space (0x20) → Ġ, 0xad (soft hyphen) → Ń.
    expect(characters[188]).toBe('Ā');
    expect(characters[188 + 0x20]).toBe('Ġ');
    expect(characters[255]).toBe('Ń');
  });
});

describe('learnMerges', () => {
  it('merges the most frequent pair first, ties broken alphabetically', () => {
    const words = new Map([['ab', 2], ['abc', 1]]);
    expect(learnMerges(words, 10, new Set())).toEqual([
      ['a', 'b</w>'],
      ['a', 'b'],
      ['ab', 'c</w>'],
    ]);
  });

  it('skips pairs whose merged token already exists and stops at the limit', () => {
    const words = new Map([['ab', 2], ['abc', 1]]);
    expect(learnMerges(words, 10, new Set(['ab</w>']))).toEqual([
      ['a', 'b'],
      ['ab', 'c</w>'],
    ]);
    expect(learnMerges(words, 1, new Set())).toEqual([['a', 'b</w>']]);
  });
});

describe('tiny tokenizer files', () => {
  it('numbers the vocab like CLIP: bytes, bytes + </w>, one token per merge, then the two specials', () => {
    expect(Object.keys(vocab)).toHaveLength(vocabSize);
    expect(new Set(Object.values(vocab)).size).toBe(vocabSize);
    expect(vocab['!']).toBe(0);
    expect(vocab['!</w>']).toBe(256);
    expect(vocab[START_OF_TEXT]).toBe(vocabSize - 2);
    expect(vocab[END_OF_TEXT]).toBe(vocabSize - 1);
    expect(merges.length).toBe(vocabSize - 512 - 2);
    merges.forEach(([a, b], index) => expect(vocab[a + b]).toBe(512 + index));
  });

  it('has a few hundred merges that make common prompt words single tokens', () => {
    expect(merges.length).toBeGreaterThan(200);
    expect(merges.length).toBeLessThanOrEqual(400);
    const words = 'a photo of a cat , eyes , best quality'.split(' ');
    expect(words.map((word) => bpe(word))).toEqual(words.map((word) => [`${word}</w>`]));
    expect(bpe('catdog').length).toBeGreaterThan(1); // unknown words still split into known pieces
    for (const token of bpe('zebra')) expect(vocab[token]).toBeDefined();
  });

  it('writes merges.txt with the #version header and a final newline', () => {
    expect(mergeLines[0]).toBe('#version: 0.2');
    expect(files['merges.txt'].endsWith('\n')).toBe(true);
    expect(merges.every((pair) => pair.length === 2 && pair.every((symbol) => symbol.length > 0))).toBe(true);
  });

  it('writes vocab.json sorted by key with two-space indent', () => {
    expect(files['vocab.json'].startsWith('{\n  "!": 0,\n  "!</w>": 256,\n')).toBe(true);
    expect(files['vocab.json'].endsWith('\n}\n')).toBe(true);
    const keys = Object.keys(vocab).filter((key) => !/^\d+$/.test(key)); // JSON.parse reorders integer-like keys
    expect(keys).toEqual([...keys].sort());
  });

  const realTokenizer = sharedData('sd15-tokenizer');
  (realTokenizer ? it : it.skip)('matches the real SD 1.5 files: same 512 base ids, same config keys', () => {
    const dir = realTokenizer as string;
    const realVocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
    const base = Object.entries(realVocab).filter(([, id]) => id < 512);
    expect(base).toHaveLength(512);
    for (const [token, id] of base) expect(vocab[token]).toBe(id);
    expect(fs.readFileSync(path.join(dir, 'merges.txt'), 'utf8').split('\n')[0]).toBe(mergeLines[0]);
    for (const name of ['special_tokens_map.json', 'tokenizer_config.json']) {
      const real = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as Record<string, unknown>;
      const ours = JSON.parse(files[name]) as Record<string, unknown>;
      expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
      expect(ours.eos_token).toEqual(real.eos_token);
    }
  });
});
