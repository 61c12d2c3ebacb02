/**
 * Imported first by the CLI entry, before any AWS SDK module: on the Node versions keyturn supports (package.json
 * `engines`), the SDK's multi-line Node-version notice on every call is noise for on-call, so it is switched off
 * (the SDK's own switch). An explicit setting of the variable wins.
 */
export const MIN_NODE_MAJOR = 20;

export function quietSdkNodeWarning(
  env: Record<string, string | undefined> = process.env,
  nodeVersion: string = process.version,
): boolean {
  const major = Number(/^v(\d+)\./.exec(nodeVersion)?.[1]);
  if (!(major >= MIN_NODE_MAJOR) || env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED !== undefined)
    return false;
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return true;
}

quietSdkNodeWarning();
