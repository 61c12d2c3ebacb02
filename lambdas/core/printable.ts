/**
 * Outside text that keyturn quotes (in errors, logs, pages): control characters forge log lines and bidirectional
 * overrides disguise what on-call reads, so both are refused in input and replaced when quoting.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
export const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_GLOBAL = new RegExp(UNSAFE_CHARACTERS.source, 'g');

/** `text` safe to quote: unsafe characters replaced by "?", cut to `max` characters. */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(UNSAFE_GLOBAL, '?');
}
