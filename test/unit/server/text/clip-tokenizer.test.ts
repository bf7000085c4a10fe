import * as fs from 'fs';
import * as path from 'path';
import { ClipTokenizer, cleanPromptText } from '../../../../server/src/text';
import { sharedData } from '../../../helpers/shared-data';

const realDir = sharedData('sd15-tokenizer');
const describeReal = realDir ? describe : describe.skip;

describeReal('ClipTokenizer with the real SD 1.5 vocabulary', () => {
  const dir = realDir ?? '';
  let tokenizer: ClipTokenizer;
  /** Expected ids are read straight from vocab.json, never from our BPE. */
  let vocab: Record<string, number>;
  const word = (w: string): number => {
    const id = vocab[`${w}</w>`];
    if (id === undefined) throw new Error(`test vocabulary lacks ${w}</w>`);
    return id;
  };

  beforeAll(() => {
    tokenizer = ClipTokenizer.fromFiles(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
    vocab = JSON.parse(fs.readFileSync(path.join(dir, 'vocab.json'), 'utf8')) as Record<string, number>;
  });

  it('reads the special ids and the size from the vocabulary', () => {
    expect(tokenizer.bos).toBe(49406);
    expect(tokenizer.eos).toBe(49407);
    expect(tokenizer.vocabSize).toBe(49408);
    expect(tokenizer.tokenId(',</w>')).toBe(267);
  });

  it('encodes the DESIGN example without BOS/EOS', () => {
    expect(tokenizer.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
  });

  it('encodes the empty and the blank prompt as no tokens', () => {
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode(' \t\n ')).toEqual([]);
  });

  it('lowercases and collapses whitespace', () => {
    expect(tokenizer.encode('  A   PHOTO\tof\n\n a CAT  ')).toEqual([320, 1125, 539, 320, 2368]);
  });

  it('composes Unicode (NFC) before BPE', () => {
    expect(tokenizer.encode('cafe\u0301')).toEqual(tokenizer.encode('caf\u00e9'));
    expect(tokenizer.encode('CAF\u00c9')).toEqual(tokenizer.encode('caf\u00e9'));
  });

  it('decodes HTML entities, twice as CLIP does', () => {
    expect(tokenizer.encode('fish &amp; chips')).toEqual([word('fish'), word('&'), word('chips')]);
    expect(tokenizer.encode('&amp;amp;')).toEqual([word('&')]);
  });

  it('splits as CLIP pre-tokenizes: contractions, single digits, punctuation runs', () => {
    expect(tokenizer.encode("it's")).toEqual([word('it'), word("'s")]);
    expect(tokenizer.encode('15')).toEqual([word('1'), word('5')]);
    expect(tokenizer.encode('cat,dog')).toEqual([word('cat'), word(','), word('dog')]);
  });

  it('keeps special tokens typed in the text', () => {
    expect(tokenizer.encode('cat<|endoftext|>')).toEqual([word('cat'), 49407]);
  });

  it('tokenizes a 300-word prompt quickly (logged, not asserted)', () => {
    const words = (
      'masterpiece best quality ultra detailed portrait of an elderly fisherman weathered skin ' +
      'golden hour rim lighting 85mm bokeh kodak portra film grain intricate wool sweater harbour ' +
      'background seagulls overcast sky volumetric fog cinematic colour grading sharp focus'
    ).split(' ');
    const prompt = Array.from({ length: 300 }, (_, i) => words[(i * 7) % words.length] + (i % 9 === 0 ? ',' : ''))
      .join(' ');
    const fresh = ClipTokenizer.fromFiles(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
    let start = process.hrtime.bigint();
    const ids = fresh.encode(prompt);
    const coldMs = Number(process.hrtime.bigint() - start) / 1e6;
    start = process.hrtime.bigint();
    fresh.encode(prompt);
    const warmMs = Number(process.hrtime.bigint() - start) / 1e6;
    // eslint-disable-next-line no-console
    console.log(`tokenizer: 300 words → ${ids.length} tokens, ${coldMs.toFixed(2)} ms cold, ${warmMs.toFixed(2)} ms cached`);
    expect(ids.length).toBeGreaterThan(300);
  });
});

describe('ClipTokenizer with a hand-made vocabulary', () => {
  const specials = { '<|startoftext|>': 90, '<|endoftext|>': 91 };

  it('takes BOS/EOS from the vocabulary, whatever their ids', () => {
    const tokenizer = ClipTokenizer.fromText(JSON.stringify({ 'a</w>': 0, ...specials }), '#version: 0.2\n');
    expect(tokenizer.bos).toBe(90);
    expect(tokenizer.eos).toBe(91);
    expect(tokenizer.vocabSize).toBe(3);
    expect(tokenizer.encode('a A')).toEqual([0, 0]);
  });

  it('applies merges lowest rank first', () => {
    const vocab = JSON.stringify({ a: 0, ab: 1, 'c</w>': 2, 'bc</w>': 3, ...specials });
    // a b c</w>: (b, c</w>) ranks before (a, b) → a + bc</w>; in the other order → ab + c</w>.
    expect(ClipTokenizer.fromText(vocab, '#version: 0.2\nb c</w>\na b\n').encode('abc')).toEqual([0, 3]);
    expect(ClipTokenizer.fromText(vocab, '#version: 0.2\na b\nb c</w>\n').encode('abc')).toEqual([1, 2]);
  });

  it('merges repeated pairs left to right without overlap', () => {
    const vocab = JSON.stringify({ aa: 0, 'a</w>': 1, 'aa</w>': 2, ...specials });
    // a a a</w> → (a, a) merges once at the start: aa + a</w>.
    expect(ClipTokenizer.fromText(vocab, '#version: 0.2\na a\n').encode('aaa')).toEqual([0, 1]);
    // a a</w> has no (a, a) pair; only a merge "a a</w>" would join it.
    expect(ClipTokenizer.fromText(vocab, '#version: 0.2\na a\n').encode('aa')).toEqual([91, 1]);
  });

  it('keeps merges whose first symbol is "#" (only the #version header is skipped)', () => {
    const vocab = JSON.stringify({ '#': 0, '#</w>': 1, '##</w>': 2, ...specials });
    expect(ClipTokenizer.fromText(vocab, '#version: 0.2\n# #</w>\n').encode('##')).toEqual([2]);
    expect(ClipTokenizer.fromText(vocab, '# #</w>\n').encode('##')).toEqual([2]);
  });

  it('maps symbols missing from the vocabulary to <|endoftext|> (the unk token)', () => {
    const tokenizer = ClipTokenizer.fromText(JSON.stringify({ 'a</w>': 0, ...specials }), '');
    expect(tokenizer.encode('a z a')).toEqual([0, 91, 0]);
  });

  it('rejects a vocabulary without the special tokens or with bad ids', () => {
    expect(() => ClipTokenizer.fromText(JSON.stringify({ 'a</w>': 0 }), '')).toThrow(/startoftext/);
    expect(() => ClipTokenizer.fromText(JSON.stringify({ 'a</w>': 'x', ...specials }), '')).toThrow(/integer/);
    expect(() => ClipTokenizer.fromText('[1, 2]', '')).toThrow(/object/);
    expect(() => ClipTokenizer.fromText(JSON.stringify(specials), 'a b c\n')).toThrow(/line 1/);
  });
});

describe('cleanPromptText', () => {
  it('does NFC, entity decoding, whitespace collapse, trim and lowercase', () => {
    expect(cleanPromptText('  Hello\u00a0\u00a0WORLD\r\n ')).toBe('hello world');
    expect(cleanPromptText('e\u0301')).toBe('\u00e9');
    expect(cleanPromptText('&#x263A; &#9731; &lt;b&gt; &unknown;')).toBe('\u263a \u2603 <b> &unknown;');
    expect(cleanPromptText('&#0;')).toBe('\ufffd');
  });
});
