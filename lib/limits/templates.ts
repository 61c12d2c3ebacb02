/**
 * What every limit guard reads: the synthesized templates (main stack and nested key shards) as files, exactly as
 * CloudFormation will receive them. The guards run as CDK validation plugins, so they see the assembly after
 * synthesis and fail `cdk synth` (and `app.synth()` in tests) with a report that carries the fix.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PolicyViolation } from 'aws-cdk-lib';

interface TemplateFile {
  /** Absolute path of the template file. */
  path: string;
  /** File name, e.g. `Keyturn.template.json` or `KeyturnKeyShard0….nested.template.json`. */
  name: string;
  /** Size in bytes, as uploaded. */
  bytes: number;
  /** The parsed template. */
  template: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
}

export function readTemplates(templatePaths: readonly string[]): TemplateFile[] {
  return [...new Set(templatePaths)].map((file) => {
    const text = readFileSync(file);
    return {
      path: file,
      name: path.basename(file),
      bytes: text.byteLength,
      template: JSON.parse(text.toString('utf8')) as TemplateFile['template'],
    };
  });
}

/** One violation of a rule; the description says what is wrong, `fix` what to change. */
export function violation(
  ruleName: string,
  description: string,
  fix: string,
  file: TemplateFile,
  resourceLogicalId?: string,
  location?: string,
): PolicyViolation {
  return {
    ruleName,
    description,
    fix,
    severity: 'error',
    violatingResources: [
      { templatePath: file.path, resourceLogicalId, locations: location ? [location] : [] },
    ],
  };
}
