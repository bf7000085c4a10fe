/**
 * A1111's "infotext": the generation parameters as one text, the `parameters` chunk of its PNGs
 * ("prompt\nNegative prompt: …\nSteps: 20, Sampler: DDIM, CFG scale: 7, Seed: 1, Size: 512x512, …").
 * Written the way A1111 1.10 writes it (`processing.create_infotext`, `infotext_utils.quote`) and read the
 * way it reads it (`infotext_utils.parse_generation_parameters`), so A1111's PNG Info, Civitai and other
 * tools read our PNGs and we read theirs. One module for both of our APIs.
 */

/** A value as it appears after "Key: ". null/undefined entries are left out, as A1111 leaves out None. */
export type InfotextValue = string | number | boolean | null | undefined;

export interface Infotext {
  prompt: string;
  negativePrompt: string;
  /** In order: A1111 writes Steps, Sampler, Schedule type, CFG scale, Seed, Size, Model, Denoising strength, … */
  params: ReadonlyArray<readonly [string, InfotextValue]>;
}

/** Python's str() of a value: booleans are True/False, whole floats keep their ".0" only if given as such. */
function pythonString(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** `infotext_utils.quote`: JSON-quote a value holding a comma, a newline or a colon (json.dumps, ensure_ascii=False). */
export function quote(value: string | number | boolean): string {
  const text = pythonString(value);
  if (!text.includes(',') && !text.includes('\n') && !text.includes(':')) return text;
  return JSON.stringify(text);
}

/** `infotext_utils.unquote`: a "…" value is JSON; anything that does not parse stays as it is. */
export function unquote(text: string): string {
  if (text.length === 0 || text[0] !== '"' || text[text.length - 1] !== '"') return text;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'string' ? parsed : text;
  } catch {
    return text;
  }
}

/** `create_infotext`'s last lines: prompt, "Negative prompt: …" when there is one, then "Key: value, …". */
export function formatInfotext(info: Infotext): string {
  // A1111 writes a bare key when key == value; no field of ours is like that, so every pair is "k: v".
  const paramsText = info.params
    .filter((entry): entry is readonly [string, string | number | boolean] => entry[1] !== null && entry[1] !== undefined)
    .map(([key, value]) => `${key}: ${quote(value)}`)
    .join(', ');
  const negative = info.negativePrompt ? `\nNegative prompt: ${info.negativePrompt}` : '';
  return `${info.prompt}${negative}\n${paramsText}`.trim();
}

// `re_param_code` of infotext_utils.py with Python 3's Unicode \w spelled out for JavaScript.
const W = '[\\p{L}\\p{N}_]';
const RE_PARAM = new RegExp(`\\s*(${W}[\\p{L}\\p{N}_ \\-/]+):\\s*("(?:\\\\.|[^\\\\"])+"|[^,]*)(?:,|$)`, 'gu');
const RE_IMAGE_SIZE = /^(\d+)x(\d+)$/;

function findParams(line: string): Array<[string, string]> {
  return [...line.matchAll(RE_PARAM)].map((m) => [m[1], m[2]]);
}

/** Values a parsed infotext holds: strings as read, plus A1111's defaults for missing fields (numbers there). */
export type ParsedInfotext = Record<string, string | number | boolean>;

/**
 * A1111 1.10's `parse_generation_parameters`, without the parts that need its settings (styles, the
 * skip list, version back-compat). "Size: 512x768" becomes "Size-1": "512", "Size-2": "768", as there.
 */
export function parseInfotext(text: string): ParsedInfotext {
  const result: ParsedInfotext = {};
  let prompt = '';
  let negativePrompt = '';
  let doneWithPrompt = false;

  const lines = text.trim().split('\n');
  let lastLine = lines.pop() ?? '';
  // A last line with fewer than 3 "key: value" pairs is part of the prompt (A1111's rule).
  if (findParams(lastLine).length < 3) {
    lines.push(lastLine);
    lastLine = '';
  }
  for (const raw of lines) {
    let line = raw.trim();
    if (line.startsWith('Negative prompt:')) {
      doneWithPrompt = true;
      line = line.slice('Negative prompt:'.length).trim();
    }
    if (doneWithPrompt) negativePrompt += (negativePrompt === '' ? '' : '\n') + line;
    else prompt += (prompt === '' ? '' : '\n') + line;
  }
  result.Prompt = prompt;
  result['Negative prompt'] = negativePrompt;

  for (const [key, rawValue] of findParams(lastLine)) {
    const value = rawValue.length > 0 && rawValue[0] === '"' && rawValue[rawValue.length - 1] === '"' ? unquote(rawValue) : rawValue;
    const size = RE_IMAGE_SIZE.exec(value);
    if (size) {
      result[`${key}-1`] = size[1];
      result[`${key}-2`] = size[2];
    } else {
      result[key] = value;
    }
  }

  // The defaults A1111 fills in for fields an infotext leaves out (what a missing field meant when written).
  const defaults: ParsedInfotext = {
    'Clip skip': '1',
    'Hires resize-1': 0,
    'Hires resize-2': 0,
    'Hires sampler': 'Use same sampler',
    'Hires checkpoint': 'Use same checkpoint',
    'Hires prompt': '',
    'Hires negative prompt': '',
    'Mask mode': 'Inpaint masked',
    'Masked content': 'original',
    'Inpaint area': 'Whole picture',
    'Masked area padding': 32,
    RNG: 'GPU',
    'Schedule type': 'Automatic',
    'Schedule max sigma': 0,
    'Schedule min sigma': 0,
    'Schedule rho': 0,
    'VAE Encoder': 'Full',
    'VAE Decoder': 'Full',
    'FP8 weight': 'Disable',
  };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in result)) result[key] = value;
  }
  if (!('Cache FP16 weight for LoRA' in result) && result['FP8 weight'] !== 'Disable') result['Cache FP16 weight for LoRA'] = false;
  return result;
}
