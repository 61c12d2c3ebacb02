/**
 * The drift report: the deployed registry (what a deployment wrote) against the secrets the inventory lists (tag
 * `keyturn:managed=true` under the prefix). Three findings, each with its severity and runbook step:
 * - `unregistered-secret`: a secret tagged as managed that no deployment registered (planted, or left behind);
 * - `tag-drift`: a registered secret whose tags differ from its registered policy (which tag, registered vs tagged);
 * - `registered-secret-missing`: a registered secret that is gone (or lost its managed tag), or whose ARN differs
 *   (deleted and re-created under the name).
 * The functions act on the registry only, so drift changes nothing they do: it tells people someone wrote keyturn's
 * tags or secrets by hand. Messages hold tag names, ARNs and registered values, never a tag's free text unbounded.
 */
import { TAGS } from '../constants';
import type { KeyPolicy } from '../key-policy';
import type { RegistryEntry } from '../registry';
import type { Finding } from './findings';
import type { ManagedSecret } from './inventory';
import { safeLabel } from './rules';

/** The tags a deployment writes for a registered policy (lib/key-tags.ts writes them from the same configuration). */
export function registeredTags(policy: KeyPolicy): Record<string, string | undefined> {
  const tags: Record<string, string | undefined> = {
    [TAGS.keyName]: policy.keyName,
    [TAGS.provider]: policy.provider,
    [TAGS.environment]: policy.environment,
    [TAGS.tier]: policy.tier,
    [TAGS.overlapHours]: String(policy.overlapHours),
    [TAGS.leakPolicy]: policy.leakPolicy,
    [TAGS.owner]: policy.owner,
    [TAGS.runbook]: policy.runbook,
    [TAGS.linkedSystems]: policy.linkedSystems.length ? policy.linkedSystems.join(' ') : undefined,
  };
  for (const [name, value] of Object.entries(policy.providerSettings))
    tags[TAGS.providerSetting + name] = value;
  return tags;
}

export interface TagDifference {
  tag: string;
  registered: string | undefined;
  tagged: string | undefined;
}

/** Every policy tag whose value differs from the registry, and every provider-setting tag the registry lacks. */
export function tagDifferences(entry: RegistryEntry, tags: Record<string, string>): TagDifference[] {
  const expected = registeredTags(entry.policy);
  const tagged = (key: string) => (Object.hasOwn(tags, key) ? tags[key] : undefined);
  const out: TagDifference[] = [];
  for (const [tag, registered] of Object.entries(expected)) {
    const value = tagged(tag);
    const same =
      tag === TAGS.overlapHours
        ? value !== undefined && Number(value) === entry.policy.overlapHours
        : value === registered;
    if (!same) out.push({ tag, registered, tagged: value });
  }
  for (const tag of Object.keys(tags)) {
    if (tag.startsWith(TAGS.providerSetting) && !Object.hasOwn(expected, tag))
      out.push({ tag, registered: undefined, tagged: tags[tag] });
  }
  return out;
}

const shown = (value: string | undefined) => (value === undefined ? '(none)' : `"${safeLabel(value, '')}"`);
const MAX_DIFFERENCES_SHOWN = 8;

export function driftFindings(secrets: ManagedSecret[], entries: RegistryEntry[]): Finding[] {
  const findings: Finding[] = [];
  const registered = new Map(entries.map((e) => [e.secretName, e]));
  const listed = new Map(secrets.map((s) => [s.name, s]));

  for (const secret of secrets) {
    if (registered.has(secret.name)) continue;
    findings.push({
      rule: 'unregistered-secret',
      severity: 'critical',
      keyName: safeLabel(secret.tags[TAGS.keyName], secret.name),
      environment: safeLabel(secret.tags[TAGS.environment], '?'),
      secretName: secret.name,
      secretArn: secret.arn,
      message:
        'it is tagged keyturn:managed=true under the prefix but no deployment registered it: keyturn refuses it, ' +
        'and someone made or tagged it by hand (a planted secret, or one left behind by a removed key)',
      fix:
        'Find who created or tagged it in CloudTrail (CreateSecret, TagResource on this ARN). If it is a key to ' +
        'manage, add it to the configuration and deploy; otherwise remove the keyturn:* tags or delete the secret.',
    });
  }

  for (const entry of entries) {
    const { policy } = entry;
    const base = {
      keyName: policy.keyName,
      environment: policy.environment,
      secretName: entry.secretName,
      secretArn: entry.secretArn,
    };
    const secret = listed.get(entry.secretName);
    if (!secret) {
      findings.push({
        ...base,
        rule: 'registered-secret-missing',
        severity: 'critical',
        message:
          'the registry names this secret but no secret of that name is listed as managed: it was deleted, or its ' +
          'keyturn:managed tag was removed; keyturn cannot rotate it',
        fix:
          'Find the DeleteSecret or UntagResource call in CloudTrail. Restore the secret (RestoreSecret within its ' +
          'recovery window) or redeploy keyturn (cdk deploy) to recreate and re-register it.',
      });
      continue;
    }
    if (secret.arn !== entry.secretArn) {
      findings.push({
        ...base,
        secretArn: secret.arn,
        rule: 'registered-secret-missing',
        severity: 'critical',
        message:
          `the secret under this name is not the registered one (registered ${entry.secretArn}): it was deleted ` +
          'and re-created, and keyturn refuses the new one',
        fix:
          'Find who re-created it in CloudTrail (DeleteSecret, CreateSecret). Delete the impostor and redeploy ' +
          'keyturn (cdk deploy) so the registry names the secret the stack owns.',
      });
      continue;
    }
    const differences = tagDifferences(entry, secret.tags);
    if (!differences.length) continue;
    const listedDifferences = differences
      .slice(0, MAX_DIFFERENCES_SHOWN)
      .map((d) => `${d.tag} registered ${shown(d.registered)}, tagged ${shown(d.tagged)}`);
    const more =
      differences.length > MAX_DIFFERENCES_SHOWN
        ? ` and ${differences.length - MAX_DIFFERENCES_SHOWN} more`
        : '';
    findings.push({
      ...base,
      rule: 'tag-drift',
      // A provider target or the provider itself retagged is someone trying to steer keyturn: critical.
      severity: differences.some((d) => d.tag === TAGS.provider || d.tag.startsWith(TAGS.providerSetting))
        ? 'critical'
        : 'notice',
      message:
        `its tags differ from the registered policy (keyturn acts on the registry, not the tags): ` +
        `${listedDifferences.join('; ')}${more}`,
      fix:
        'Find who changed the tags in CloudTrail (TagResource, UntagResource on this ARN), then redeploy keyturn ' +
        '(cdk deploy) so the stack rewrites them; change a key by editing the configuration, never its tags.',
    });
  }
  return findings;
}
