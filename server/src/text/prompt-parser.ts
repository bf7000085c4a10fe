/**
 * A1111's prompt emphasis syntax (stable-diffusion-webui `modules/prompt_parser.py`,
 * `parse_prompt_attention`), ported so that prompts copied from A1111 weigh the same here:
 *   (text) ×1.1 · [text] ÷1.1 · (text:1.5) ×1.5 · \( \) \[ \] \\ literal characters · BREAK new chunk.
 */

/** The weight A1111 gives its BREAK entries; `buildChunks` starts a new chunk at them. */
export const BREAK_WEIGHT = -1;

const ROUND_BRACKET_MULTIPLIER = 1.1;
const SQUARE_BRACKET_MULTIPLIER = 1 / 1.1;

/**
 * A1111's `re_attention`, one alternative per syntax element: escapes, a lone backslash, "(", "[",
 * ":1.5)" (weight and closing bracket together), ")", "]", plain text, a lone ":".
 */
const ATTENTION = /\\\(|\\\)|\\\[|\\\]|\\\\|\\|\(|\[|:\s*([+-]?[.\d]+)\s*\)|\)|\]|[^\\()[\]:]+|:/g;

/**
 * A1111's `re_break` (`\s*\bBREAK\b\s*`). Python's `\b` is Unicode-aware, JS's is ASCII-only, hence the
 * lookarounds on letters, digits and underscore.
 */
const BREAK = /\s*(?<![\p{L}\p{N}_])BREAK(?![\p{L}\p{N}_])\s*/u;

interface Run {
  text: string;
  weight: number;
  isBreak: boolean;
}

/**
 * Splits a prompt into runs of text with their weights, exactly as A1111 does except where noted:
 *
 *   parsePromptAttention('an (important) word') → [['an ', 1], ['important', 1.1], [' word', 1]]
 *
 * Unbalanced brackets are closed at the end; adjacent runs with identical weights are merged; BREAK
 * becomes its own ['BREAK', -1] entry; an empty prompt gives [['', 1]].
 */
export function parsePromptAttention(text: string): Array<[string, number]> {
  const runs: Run[] = [];
  const roundBrackets: number[] = [];
  const squareBrackets: number[] = [];

  const multiplyRange = (start: number, multiplier: number): void => {
    // Deviation: A1111 multiplies its BREAK marker too, so "(a BREAK b)" turns BREAK into the word
    // "break" with weight -1.1. Leaving markers alone makes BREAK split inside brackets as well.
    for (let i = start; i < runs.length; i++) if (!runs[i].isBreak) runs[i].weight *= multiplier;
  };

  const pushText = (plain: string): void => {
    plain.split(BREAK).forEach((part, i) => {
      if (i > 0) runs.push({ text: 'BREAK', weight: BREAK_WEIGHT, isBreak: true });
      runs.push({ text: part, weight: 1, isBreak: false });
    });
  };

  for (const match of text.matchAll(ATTENTION)) {
    const token = match[0];
    const weightText = match[1];

    if (token.startsWith('\\')) {
      runs.push({ text: token.slice(1), weight: 1, isBreak: false });
    } else if (token === '(') {
      roundBrackets.push(runs.length);
    } else if (token === '[') {
      squareBrackets.push(runs.length);
    } else if (weightText !== undefined && roundBrackets.length > 0) {
      const weight = Number(weightText);
      if (Number.isFinite(weight)) {
        multiplyRange(popLast(roundBrackets), weight);
      } else {
        // Deviation: A1111's float() raises on "1.2.3" or "." and the whole generation fails. We read
        // the would-be weight as text and the ")" as a plain closing bracket.
        pushText(token.slice(0, -1));
        multiplyRange(popLast(roundBrackets), ROUND_BRACKET_MULTIPLIER);
      }
    } else if (token === ')' && roundBrackets.length > 0) {
      multiplyRange(popLast(roundBrackets), ROUND_BRACKET_MULTIPLIER);
    } else if (token === ']' && squareBrackets.length > 0) {
      multiplyRange(popLast(squareBrackets), SQUARE_BRACKET_MULTIPLIER);
    } else {
      pushText(token);
    }
  }

  // Brackets still open at the end apply to everything after them (all round, then all square,
  // each in the order opened: A1111's order, which decides the last bits of the products).
  for (const start of roundBrackets) multiplyRange(start, ROUND_BRACKET_MULTIPLIER);
  for (const start of squareBrackets) multiplyRange(start, SQUARE_BRACKET_MULTIPLIER);

  if (runs.length === 0) return [['', 1]];

  const merged: Run[] = [runs[0]];
  for (const run of runs.slice(1)) {
    const last = merged[merged.length - 1];
    // Exact float equality, as A1111: ((a)) and (a:1.21) stay separate runs.
    if (!run.isBreak && !last.isBreak && run.weight === last.weight) last.text += run.text;
    else merged.push(run);
  }
  return merged.map((run): [string, number] => [run.text, run.weight]);
}

/** Whether a parsed entry is a BREAK marker rather than text. */
export function isBreakEntry(entry: readonly [string, number]): boolean {
  return entry[0] === 'BREAK' && entry[1] === BREAK_WEIGHT;
}

function popLast(stack: number[]): number {
  const value = stack.pop();
  if (value === undefined) throw new Error('bracket stack is empty');
  return value;
}
