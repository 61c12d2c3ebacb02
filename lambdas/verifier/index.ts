/**
 * keyturn verifier: check presented API keys against keyturn-managed secrets, across rotations and overlap
 * windows, in any Node service or Lambda. See docs/retirement-and-verifier.md for adoption.
 */
export {
  ApiKeyVerifier,
  UNMATCHED_KEY,
  type AcceptedKey,
  type ApiKeyVerifierOptions,
  type VerifyResult,
} from './verifier';
export {
  apiKeyAuth,
  headerValue,
  unauthorized,
  type ApiKeyAuthOptions,
  type UnauthorizedResponse,
} from './middleware';
export { PowertoolsVerifierMetrics, type VerifierMetricName, type VerifierMetrics } from './metrics';
export { digestOf, KeySetLoader, type KeySet } from './key-set';
