/**
 * ARNs in the configuration that name another account or region than the stack deploys to: usually a copy-paste
 * from another environment (the grant then points nowhere, or at someone else's resource). Synth warns; it does
 * not refuse, because a cross-account admin secret or reader can be intended.
 */

interface ForeignArn {
  /** Where in the configuration, e.g. `keys[2].provider.adminSecretArn`. */
  path: string;
  arn: string;
  /** What differs, e.g. `account 111122223333 (the stack deploys to 444455556666)`. */
  differs: string[];
}

const ARN = /^arn:(aws[a-z-]*):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|)?:/;
/** Services whose ARNs carry no region (global): only the account is compared. */
const GLOBAL = new Set(['iam', 'sts', 'organizations', 'route53', 'cloudfront']);
const MAX_NODES = 100_000;

/**
 * Every ARN string in `config` whose account or region differs from `target`'s. A target field left undefined
 * (an environment-agnostic stack) is not compared.
 */
export function foreignArns(config: unknown, target: { account?: string; region?: string }): ForeignArn[] {
  const out: ForeignArn[] = [];
  const queue: Array<{ node: unknown; path: string; depth: number }> = [{ node: config, path: '', depth: 0 }];
  for (let seen = 0; queue.length && seen < MAX_NODES; seen++) {
    const { node, path, depth } = queue.shift()!;
    if (typeof node === 'string') {
      const m = ARN.exec(node);
      if (!m) continue;
      const [, , service, region, account] = m;
      const differs: string[] = [];
      if (target.account && account && /^\d{12}$/.test(account) && account !== target.account)
        differs.push(`account ${account} (the stack deploys to ${target.account})`);
      if (target.region && region && !GLOBAL.has(service!) && region !== target.region)
        differs.push(`region ${region} (the stack deploys to ${target.region})`);
      if (differs.length) out.push({ path: path || '(root)', arn: node, differs });
    } else if (node && typeof node === 'object' && depth < 32) {
      for (const [key, value] of Object.entries(node))
        queue.push({
          node: value,
          path: Array.isArray(node) ? `${path}[${key}]` : path ? `${path}.${key}` : key,
          depth: depth + 1,
        });
    }
  }
  return out;
}
