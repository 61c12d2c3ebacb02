/** Run a limit guard over templates written to a temp dir, as CDK's validation would after synth. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { IPolicyValidationContext, IPolicyValidationPlugin } from 'aws-cdk-lib';

export function runGuard(guard: IPolicyValidationPlugin, templates: Record<string, unknown>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'keyturn-limits-'));
  const templatePaths = Object.entries(templates).map(([name, body]) => {
    const file = path.join(dir, name);
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  });
  return guard.validate({ templatePaths } as unknown as IPolicyValidationContext);
}

/** A template of exactly `bytes` bytes (a padded description). */
export function templateOfBytes(bytes: number): string {
  const shell = JSON.stringify({ Description: '', Resources: {} });
  return JSON.stringify({ Description: 'x'.repeat(bytes - shell.length), Resources: {} });
}
