/**
 * A1111's prompt editing and alternation (stable-diffusion-webui `modules/prompt_parser.py`,
 * `get_learned_conditioning_prompt_schedules` and `reconstruct_cond_batch`, 1.10 with
 * `use_old_scheduling` off): `[from:to:when]`, `[to:when]`, `[from::when]` and `[a|b]` turn one prompt
 * into a schedule of plain prompts, each in force up to a step. Emphasis (`(a:1.2)`) is left in the text
 * for the emphasis parser, which runs on each scheduled prompt afterwards, as in A1111.
 *
 * A1111 parses with this lark grammar (Earley); the recursive descent below accepts the same language,
 * preferring at each `[` scheduled, then alternate, then emphasis, and at the top level a stray bracket or
 * colon when nothing else fits:
 *   start: (prompt | /[][():]/+)*
 *   prompt: (emphasized | scheduled | alternate | plain | WHITESPACE)*
 *   emphasized: "(" prompt ")" | "(" prompt ":" prompt ")" | "[" prompt "]"
 *   scheduled: "[" [prompt ":"] prompt ":" [WHITESPACE] NUMBER [WHITESPACE] "]"
 *   alternate: "[" prompt ("|" [prompt])+ "]"
 *   plain: /([^\\\[\]():|]|\\.)+/
 * A prompt that does not parse (a `|` outside brackets, a trailing backslash) is used as is at every step.
 */

type Prompt = Node[];
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'scheduled'; before: Prompt | null; after: Prompt; number: string }
  | { kind: 'alternate'; options: Prompt[] };

/** One entry of a schedule: `text` is in force for steps up to and including `endAtStep`. */
export interface ScheduledPrompt {
  endAtStep: number;
  text: string;
}

const PLAIN = /(?:[^\\[\]():|]|\\.)+/y;
const WHITESPACE = /\s*/y;
// lark's SIGNED_NUMBER: [+-] (INT _EXP | DECIMAL _EXP? | INT), DECIMAL = INT "." INT? | "." INT
const NUMBER = /[+-]?(?:(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d+)?|\d+(?:[eE][+-]?\d+)?)/y;

class ParseError extends Error {}

class Parser {
  constructor(private readonly source: string) {}

  /** `start`: prompt items, with stray `[ ] ( ) :` allowed between them. */
  parseStart(): Prompt {
    const nodes: Prompt = [];
    let pos = 0;
    while (pos < this.source.length) {
      const item = this.item(pos);
      if (item) {
        nodes.push(...item.nodes);
        pos = item.end;
      } else if ('[]():'.includes(this.source[pos])) {
        nodes.push({ kind: 'text', text: this.source[pos] });
        pos += 1;
      } else {
        throw new ParseError(`unexpected '${this.source[pos]}' at ${pos}`);
      }
    }
    return nodes;
  }

  /** `prompt`: as many items as parse from `pos` (possibly none). */
  private prompt(pos: number): { nodes: Prompt; end: number } {
    const nodes: Prompt = [];
    for (;;) {
      const item = this.item(pos);
      if (!item) return { nodes, end: pos };
      nodes.push(...item.nodes);
      pos = item.end;
    }
  }

  private item(pos: number): { nodes: Prompt; end: number } | null {
    const char = this.source[pos];
    if (char === '[') return this.scheduled(pos) ?? this.alternate(pos) ?? this.emphasized(pos, '[', ']');
    if (char === '(') return this.emphasized(pos, '(', ')');
    PLAIN.lastIndex = pos;
    const plain = PLAIN.exec(this.source);
    return plain ? { nodes: [{ kind: 'text', text: plain[0] }], end: pos + plain[0].length } : null;
  }

  private at(pos: number, char: string): boolean {
    return this.source[pos] === char;
  }

  /** `[WHITESPACE] NUMBER [WHITESPACE] "]"` from `pos`: the number and the position after `]`. */
  private when(pos: number): { number: string; end: number } | null {
    WHITESPACE.lastIndex = pos;
    pos += WHITESPACE.exec(this.source)?.[0].length ?? 0;
    NUMBER.lastIndex = pos;
    const number = NUMBER.exec(this.source);
    if (!number) return null;
    pos += number[0].length;
    WHITESPACE.lastIndex = pos;
    pos += WHITESPACE.exec(this.source)?.[0].length ?? 0;
    return this.at(pos, ']') ? { number: number[0], end: pos + 1 } : null;
  }

  private scheduled(pos: number): { nodes: Prompt; end: number } | null {
    const first = this.prompt(pos + 1);
    if (!this.at(first.end, ':')) return null;
    const toOnly = this.when(first.end + 1);
    if (toOnly) return { nodes: [{ kind: 'scheduled', before: null, after: first.nodes, number: toOnly.number }], end: toOnly.end };
    const second = this.prompt(first.end + 1);
    if (!this.at(second.end, ':')) return null;
    const when = this.when(second.end + 1);
    if (!when) return null;
    return { nodes: [{ kind: 'scheduled', before: first.nodes, after: second.nodes, number: when.number }], end: when.end };
  }

  private alternate(pos: number): { nodes: Prompt; end: number } | null {
    const options: Prompt[] = [];
    let part = this.prompt(pos + 1);
    options.push(part.nodes);
    if (!this.at(part.end, '|')) return null;
    while (this.at(part.end, '|')) {
      part = this.prompt(part.end + 1);
      options.push(part.nodes);
    }
    return this.at(part.end, ']') ? { nodes: [{ kind: 'alternate', options }], end: part.end + 1 } : null;
  }

  /** Emphasis keeps its brackets (and `:weight`) in the text: the emphasis parser reads them later. */
  private emphasized(pos: number, open: string, close: string): { nodes: Prompt; end: number } | null {
    const inner = this.prompt(pos + 1);
    if (this.at(inner.end, close)) {
      return { nodes: [{ kind: 'text', text: open }, ...inner.nodes, { kind: 'text', text: close }], end: inner.end + 1 };
    }
    if (open !== '(' || !this.at(inner.end, ':')) return null;
    const weight = this.prompt(inner.end + 1);
    if (!this.at(weight.end, close)) return null;
    const nodes: Prompt = [{ kind: 'text', text: open }, ...inner.nodes, { kind: 'text', text: ':' }, ...weight.nodes, { kind: 'text', text: close }];
    return { nodes, end: weight.end + 1 };
  }
}

/**
 * `collect_steps`'s step of a `when`: with a `.` it is a fraction of the steps, else an absolute step;
 * truncated (Python `int`) and capped at the step count.
 */
function whenStep(number: string, steps: number): number {
  const value = Number(number);
  return Math.min(steps, Math.trunc(number.includes('.') ? value * steps : value));
}

function collectSteps(prompt: Prompt, steps: number, into: Set<number>): void {
  for (const node of prompt) {
    if (node.kind === 'scheduled') {
      const when = whenStep(node.number, steps);
      if (when >= 1) into.add(when);
      if (node.before) collectSteps(node.before, steps, into);
      collectSteps(node.after, steps, into);
    } else if (node.kind === 'alternate') {
      for (let step = 1; step <= steps; step++) into.add(step);
      for (const option of node.options) collectSteps(option, steps, into);
    }
  }
}

/** `at_step`: the plain prompt at a 1-based step. */
function textAt(prompt: Prompt, step: number, steps: number): string {
  let text = '';
  for (const node of prompt) {
    if (node.kind === 'text') text += node.text;
    else if (node.kind === 'scheduled') {
      const chosen = step <= whenStep(node.number, steps) ? node.before : node.after;
      if (chosen) text += textAt(chosen, step, steps);
    } else {
      text += textAt(node.options[(step - 1) % node.options.length], step, steps);
    }
  }
  return text;
}

/** The schedule of one prompt over `steps` sampling steps, ascending by `endAtStep`; the last ends at `steps`. */
export function promptSchedule(prompt: string, steps: number): ScheduledPrompt[] {
  let tree: Prompt;
  try {
    tree = new Parser(prompt).parseStart();
  } catch (err) {
    if (err instanceof ParseError) return [{ endAtStep: steps, text: prompt }];
    throw err;
  }
  const ends = new Set([steps]);
  collectSteps(tree, steps, ends);
  return [...ends].sort((a, b) => a - b).map((endAtStep) => ({ endAtStep, text: textAt(tree, endAtStep, steps) }));
}

/**
 * `reconstruct_cond_batch`: the entry in force at a 0-based model call — the first whose endAtStep is
 * ≥ the call index (A1111 compares its 0-based denoiser step with these 1-based steps, so the first
 * entry covers one call more than its step count), or the first entry past the end.
 */
export function scheduleIndexAt(schedule: readonly ScheduledPrompt[], callIndex: number): number {
  const index = schedule.findIndex((entry) => callIndex <= entry.endAtStep);
  return index === -1 ? 0 : index;
}
