/**
 * Free text from a leak report (where it was found, who reported it) may carry the key itself: a scanner's URL, a
 * pasted line. Any long high-entropy token is replaced before the text is stored, logged or sent: tokens mixing upper
 * case, lower case and digits (base64, base62, JWTs and other dotted keys such as SendGrid's `SG.….…`), hex of 32
 * characters or more (Datadog's 32-character API keys and 40-character application keys, in either case), and long
 * lowercase-and-digit tokens. Words, URLs, UUIDs and AWS access key ids (not secrets) stay readable. Linear: one
 * pass of a regex without nested quantifiers, then character tests on each token.
 */
const TOKEN = /[A-Za-z0-9+/_=.~-]{16,}/g;

const HEX_RUN = /[0-9a-fA-F]{32,}/g;
/** Lowercase base36 and similar: 20+ letters and digits with several of each (words rarely have 4 digits). */
const LOWER_RUN = /[a-z0-9]{20,}/g;

const mixedCase = (token: string) =>
  token.length >= 20 && /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token);
const base36Like = (run: string) =>
  (run.match(/[0-9]/g)?.length ?? 0) >= 4 && (run.match(/[a-z]/g)?.length ?? 0) >= 4;

/**
 * A mixed-case token (base64, base62, dotted keys) goes whole; in any other token only the credential-like runs
 * go, so a URL keeps its host and path (`github.com/org/repo/blob/[redacted]/.env`).
 */
function redactToken(token: string): string {
  if (mixedCase(token)) return '[redacted]';
  return token
    .replace(HEX_RUN, '[redacted]')
    .replace(LOWER_RUN, (run) => (base36Like(run) ? '[redacted]' : run));
}

export function redactCredentials(text: string): string {
  return text.replace(TOKEN, redactToken);
}
