/**
 * Prompt cleanup before CLIP's BPE, as the SD 1.5 tokenizer does it (openai/CLIP `simple_tokenizer.py`:
 * `basic_clean` + `whitespace_clean` + `lower`; the HF fast tokenizer's normalizer is NFC + `\s+` → " " +
 * lowercase). ftfy's other repairs (mojibake, curly quotes, full-width forms) are not reproduced.
 */
export function cleanPromptText(text: string): string {
  // CLIP unescapes twice, so "&amp;amp;" becomes "&". We unescape before NFC (CLIP does it after) so
  // that a combining mark written as an entity is composed like a typed one.
  const unescaped = unescapeHtml(unescapeHtml(text));
  return unescaped.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** The entities people actually paste into prompts; Python's `html.unescape` knows ~2000 of them. */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  hellip: '\u2026',
  ndash: '\u2013',
  mdash: '\u2014',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201c',
  rdquo: '\u201d',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
};

const ENTITY = /&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);/g;

/** One pass of HTML entity decoding: named entities from the table above and numeric references. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole: string, body: string) => {
    if (body.startsWith('#')) {
      const hex = body[1] === 'x' || body[1] === 'X';
      const codePoint = parseInt(body.slice(hex ? 2 : 1), hex ? 16 : 10);
      // As Python: NUL, surrogates and out-of-range code points become U+FFFD.
      const valid = codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff);
      return valid ? String.fromCodePoint(codePoint) : '\ufffd';
    }
    return Object.prototype.hasOwnProperty.call(NAMED_ENTITIES, body) ? NAMED_ENTITIES[body] : whole;
  });
}
