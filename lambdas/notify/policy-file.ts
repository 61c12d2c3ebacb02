/**
 * Loads the deployed monitoring policy from its layer file (path overridable for tests). A missing file is not an
 * error: with no policy no reader is allowed, so every read by a non-keyturn principal pages (loud, not silent).
 */
import { readFileSync } from 'node:fs';
import { MONITORING_POLICY_PATH, NOTIFY_ENV } from '../core/constants';
import { parseMonitoringPolicy, PolicyIndex } from '../core/notify/policy';

export function loadPolicyIndex(
  path: string = process.env[NOTIFY_ENV.policyFile] ?? MONITORING_POLICY_PATH,
): PolicyIndex | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return new PolicyIndex(parseMonitoringPolicy(text));
}
