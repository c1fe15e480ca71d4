// Text from logs and from the system under test is data: written for each place it lands, never
// as escape codes for a terminal, markup for Markdown, or a mention in a pull-request comment.

/** C0 and C1 control characters (but tab and line breaks) and the bidirectional overrides that reorder what a reader sees. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/g;

/** For a terminal or a file a person reads: every control character written as \uXXXX; line breaks and tabs kept. */
export function printable(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** In a Markdown table cell (summary.md): printable, on one line, `|` `\` `<` `>` escaped (no column, no HTML). */
export function mdCell(s: string): string {
  return printable(s)
    .replace(LINE_BREAK, ' ')
    .replace(/[\\|<>]/g, '\\$&');
}

/**
 * In Markdown that is posted (comment.md, a pull-request comment): as mdCell, and no emphasis, link,
 * image, heading or code either, and no @mention (a zero-width space after the @).
 */
export function mdText(s: string): string {
  return mdCell(s)
    .replace(/[`*_[\]!#~]/g, '\\$&')
    .replace(/@/g, '@\u200b');
}

/** A Markdown code span holding `s` as it is, whatever backticks it has; `|` escaped for a table cell. */
export function mdCode(s: string): string {
  const t = printable(s).replace(LINE_BREAK, ' ').replace(/\|/g, '\\|');
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((x) => x.length));
  const fence = '`'.repeat(longest + 1);
  return t.startsWith('`') || t.endsWith('`') ? `${fence} ${t} ${fence}` : `${fence}${t}${fence}`;
}

/** A fenced Markdown code block holding `s` as it is (a fence longer than any inside it). */
export function mdBlock(s: string): string[] {
  const t = printable(s);
  const longest = Math.max(2, ...(t.match(/`{3,}/g) ?? []).map((x) => x.length));
  const fence = '`'.repeat(longest + 1);
  return [fence, t, fence];
}
