import { promptSchedule, scheduleIndexAt } from '../../../../server/src/text/prompt-schedule';

/**
 * A1111's own examples: the doctests of `get_learned_conditioning_prompt_schedules` in
 * stable-diffusion-webui `modules/prompt_parser.py` (10 steps), as [endAtStep, text] pairs.
 */
const A1111_DOCTESTS: [string, [number, string][]][] = [
  ['test', [[10, 'test']]],
  ['a [b:3]', [[3, 'a '], [10, 'a b']]],
  ['a [b: 3]', [[3, 'a '], [10, 'a b']]],
  ['a [[[b]]:2]', [[2, 'a '], [10, 'a [[b]]']]],
  ['[(a:2):3]', [[3, ''], [10, '(a:2)']]],
  ['a [b : c : 1] d', [[1, 'a b  d'], [10, 'a  c  d']]],
  ['a[b:[c:d:2]:1]e', [[1, 'abe'], [2, 'ace'], [10, 'ade']]],
  ['a [unbalanced', [[10, 'a [unbalanced']]],
  ['a [b:.5] c', [[5, 'a  c'], [10, 'a b c']]],
  ['((a][:b:c [d:3]', [[3, '((a][:b:c '], [10, '((a][:b:c d']]],
  ['[a|(b:1.1)]', [[1, 'a'], [2, '(b:1.1)'], [3, 'a'], [4, '(b:1.1)'], [5, 'a'], [6, '(b:1.1)'], [7, 'a'], [8, '(b:1.1)'], [9, 'a'], [10, '(b:1.1)']]],
  ['[fe|]male', [[1, 'female'], [2, 'male'], [3, 'female'], [4, 'male'], [5, 'female'], [6, 'male'], [7, 'female'], [8, 'male'], [9, 'female'], [10, 'male']]],
  ['[fe|||]male', [[1, 'female'], [2, 'male'], [3, 'male'], [4, 'male'], [5, 'female'], [6, 'male'], [7, 'male'], [8, 'male'], [9, 'female'], [10, 'male']]],
];

describe('prompt editing and alternation (A1111 prompt_parser)', () => {
  it.each(A1111_DOCTESTS)('schedules %j as A1111 does', (prompt, expected) => {
    expect(promptSchedule(prompt, 10).map((entry) => [entry.endAtStep, entry.text])).toEqual(expected);
  });

  it.each([
    // from: to: when — a fraction when the number has a '.', else an absolute step
    ['[cat:dog:0.5]', 20, [[10, 'cat'], [20, 'dog']]],
    ['[cat:dog:10]', 20, [[10, 'cat'], [20, 'dog']]],
    ['[cat:dog:1.0]', 20, [[20, 'cat']]],
    ['[cat::0.25] on a sofa', 20, [[5, 'cat on a sofa'], [20, ' on a sofa']]],
    // a step ≥ the count is capped; below 1 never switches; 0.3 · 7 = 2.1 → 2
    ['[cat:dog:50]', 20, [[20, 'cat']]],
    ['[cat:dog:0]', 20, [[20, 'dog']]],
    ['[cat:dog:0.3]', 7, [[2, 'cat'], [7, 'dog']]],
    // emphasis and BREAK pass through untouched for the emphasis parser
    ['(a:1.2) BREAK [b:c:2]', 4, [[2, '(a:1.2) BREAK b'], [4, '(a:1.2) BREAK c']]],
  ] as [string, number, [number, string][]][])('schedules %j over %i steps', (prompt, steps, expected) => {
    expect(promptSchedule(prompt, steps).map((entry) => [entry.endAtStep, entry.text])).toEqual(expected);
  });

  it.each(['a | b', 'trailing \\', 'a [b|c'])('uses %j verbatim when it does not parse', (prompt) => {
    expect(promptSchedule(prompt, 10)).toEqual([{ endAtStep: 10, text: prompt }]);
  });

  it('picks the entry of a 0-based model call as reconstruct_cond_batch does (call k ≤ endAtStep)', () => {
    const schedule = promptSchedule('[cat:dog:0.5]', 20); // [10 cat] [20 dog]
    expect([0, 9, 10, 11, 19].map((call) => schedule[scheduleIndexAt(schedule, call)].text)).toEqual(['cat', 'cat', 'cat', 'dog', 'dog']);
    const alternating = promptSchedule('[a|b]', 4); // [1 a] [2 b] [3 a] [4 b]
    expect([0, 1, 2, 3].map((call) => alternating[scheduleIndexAt(alternating, call)].text)).toEqual(['a', 'a', 'b', 'a']);
    expect(scheduleIndexAt(schedule, 25)).toBe(0);
  });
});
