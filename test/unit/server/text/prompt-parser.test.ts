import { parsePromptAttention } from '../../../../server/src/text';

/** Same texts in the same order, weights equal to ~12 digits. */
function expectParsed(prompt: string, expected: Array<[string, number]>): void {
  const parsed = parsePromptAttention(prompt);
  expect(parsed.map(([text]) => text)).toEqual(expected.map(([text]) => text));
  parsed.forEach(([, weight], i) => expect(weight).toBeCloseTo(expected[i][1], 12));
}

describe('parsePromptAttention: the examples in A1111 prompt_parser.py', () => {
  // Expected values copied from the docstring of parse_prompt_attention.
  it.each<[string, Array<[string, number]>]>([
    ['normal text', [['normal text', 1.0]]],
    ['an (important) word', [['an ', 1.0], ['important', 1.1], [' word', 1.0]]],
    ['(unbalanced', [['unbalanced', 1.1]]],
    ['\\(literal\\]', [['(literal]', 1.0]]],
    ['(unnecessary)(parens)', [['unnecessaryparens', 1.1]]],
    [
      'a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).',
      [
        ['a ', 1.0],
        ['house', 1.5730000000000004],
        [' ', 1.1],
        ['on', 1.0],
        [' a ', 1.1],
        ['hill', 0.55],
        [', sun, ', 1.1],
        ['sky', 1.4641000000000006],
        ['.', 1.1],
      ],
    ],
  ])('%j', (prompt, expected) => expectParsed(prompt, expected));
});

describe('parsePromptAttention: further cases, derived by hand from the A1111 grammar', () => {
  it('gives [["", 1]] for the empty prompt and keeps a blank one as text', () => {
    expect(parsePromptAttention('')).toEqual([['', 1]]);
    expect(parsePromptAttention('   ')).toEqual([['   ', 1]]);
  });

  it('multiplies nested brackets', () => {
    expectParsed('((a)b)', [['a', 1.1 * 1.1], ['b', 1.1]]);
    expectParsed('[[a]]', [['a', 1 / 1.1 / 1.1]]);
    expectParsed('((a:1.5) b:0.5)', [['a', 0.75], [' b', 0.5]]);
  });

  it('accepts spaces, signs and leading dots in explicit weights', () => {
    expectParsed('(word: 1.5 )', [['word', 1.5]]);
    expectParsed('(word:+.5)', [['word', 0.5]]);
    expectParsed('(word:-0.5)', [['word', -0.5]]);
  });

  it('merges adjacent runs only when their weights are exactly equal', () => {
    // (b:1.1) is exactly 1.1, like (a); ((c)) is 1.1 × 1.1 = 1.2100000000000002, not 1.21.
    expect(parsePromptAttention('(a)(b:1.1)')).toEqual([['ab', 1.1]]);
    expect(parsePromptAttention('((c))(d:1.21)')).toEqual([
      ['c', 1.1 * 1.1],
      ['d', 1.21],
    ]);
  });

  it('reads the weight syntax in square brackets as plain text', () => {
    // "[" … "word" ":" "1.5" "]" → the colon and number are text, the run is divided by 1.1.
    expectParsed('[word:1.5]', [['word:1.5', 1 / 1.1]]);
  });

  it('treats weights and closing brackets without an opening one as text', () => {
    expectParsed('word:1.5)', [['word:1.5)', 1]]);
    expectParsed('a]b)c', [['a]b)c', 1]]);
    expectParsed('(word:1.5', [['word:1.5', 1.1]]);
    expectParsed('(word:)', [['word:', 1.1]]);
  });

  it('keeps escaped characters and drops a lone backslash', () => {
    expectParsed('a \\\\ b', [['a \\ b', 1]]);
    expectParsed('a\\b', [['ab', 1]]);
    expectParsed('\\(a\\) (b)', [['(a) ', 1], ['b', 1.1]]);
  });

  it('makes BREAK its own entry with weight -1, eating the spaces around it', () => {
    expect(parsePromptAttention('a BREAK b')).toEqual([['a', 1], ['BREAK', -1], ['b', 1]]);
    expect(parsePromptAttention('x\nBREAK\ny')).toEqual([['x', 1], ['BREAK', -1], ['y', 1]]);
    expect(parsePromptAttention('BREAK')).toEqual([['', 1], ['BREAK', -1], ['', 1]]);
    expect(parsePromptAttention('a BREAK BREAK b')).toEqual([
      ['a', 1],
      ['BREAK', -1],
      ['', 1],
      ['BREAK', -1],
      ['b', 1],
    ]);
  });

  it('splits only on the whole upper-case word BREAK', () => {
    expect(parsePromptAttention('a BREAKb break')).toEqual([['a BREAKb break', 1]]);
    expect(parsePromptAttention('\u00e9BREAK')).toEqual([['\u00e9BREAK', 1]]);
  });

  it('keeps weighted runs apart from a BREAK between them', () => {
    expectParsed('(a:1.2)BREAK(b:1.2)', [['a', 1.2], ['', 1], ['BREAK', -1], ['', 1], ['b', 1.2]]);
  });
});

describe('parsePromptAttention: deliberate deviations from A1111', () => {
  it('still breaks on BREAK inside brackets (A1111 turns it into the word "break" with weight -1.1)', () => {
    expectParsed('(a BREAK b)', [['a', 1.1], ['BREAK', -1], ['b', 1.1]]);
    expectParsed('(a BREAK b:-1)', [['a', -1], ['BREAK', -1], ['b', -1]]);
  });

  it('reads an unparseable weight as text (A1111 raises ValueError)', () => {
    expectParsed('(word:1.2.3)', [['word:1.2.3', 1.1]]);
    expectParsed('(word:.)', [['word:.', 1.1]]);
  });
});
