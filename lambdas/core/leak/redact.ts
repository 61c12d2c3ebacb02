/**
 * Free text from a leak report (where it was found, who reported it) may carry the key itself: a scanner's URL, a
 * pasted line. Any long high-entropy token is replaced before the text is stored, logged or sent: tokens mixing upper
 * case, lower case and digits (base64, base62, JWTs and other dotted keys such as SendGrid's `SG.….…`), hex of 32
 * characters or more (Datadog's 32-character API keys and 40-character application keys, in either case), and long
 * lowercase-and-digit tokens. Words, URLs, UUIDs and AWS access key ids (not secrets) stay readable. Linear: one
 * pass of a regex without nested quantifiers, then character tests on each token.
 */
const TOKEN = /[A-Za-z0-9+/_=.~-]{16,}/g;

function credentialLike(token: string): boolean {
  const upper = /[A-Z]/.test(token);
  const lower = /[a-z]/.test(token);
  const digit = /[0-9]/.test(token);
  if (token.length >= 20 && upper && lower && digit) return true;
  if (/[0-9a-fA-F]{32,}/.test(token)) return true;
  // Lowercase base36 and similar: a run of 20+ letters and digits with several of each (words rarely have 4 digits).
  for (const run of token.match(/[a-z0-9]{20,}/g) ?? []) {
    if ((run.match(/[0-9]/g)?.length ?? 0) >= 4 && (run.match(/[a-z]/g)?.length ?? 0) >= 4) return true;
  }
  return false;
}

export function redactCredentials(text: string): string {
  return text.replace(TOKEN, (token) => (credentialLike(token) ? '[redacted]' : token));
}
