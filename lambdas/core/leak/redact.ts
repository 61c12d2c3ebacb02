/**
 * Free text from a leak report (where it was found, who reported it) may carry the key itself: a scanner's URL, a
 * pasted line. Anything that looks like a credential (a long token mixing upper case, lower case and digits) is
 * replaced before the text is stored, logged or sent. Hex digests and words stay readable.
 */
const TOKEN = /[A-Za-z0-9+/_=-]{20,}/g;

export function redactCredentials(text: string): string {
  return text.replace(TOKEN, (token) =>
    /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token) ? '[redacted]' : token,
  );
}
