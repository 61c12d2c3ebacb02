/**
 * A tag value holds at most 256 characters and a tag key 128 (CloudFormation refuses more: E3033 in cfn-lint). keyturn
 * joins lists into one tag (scopes, linked systems, usage plan ids), so a configuration whose every item is valid can
 * still build an invalid tag. The configuration schema refuses those lists by key and field; this guard checks every
 * tag of every resource in the synthesized templates, whatever put it there.
 */
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { readTemplates, violation } from './templates';

export const MAX_TAG_VALUE_CHARS = 256;
const MAX_TAG_KEY_CHARS = 128;

export class TagValueGuard implements IPolicyValidationPlugin {
  readonly name = 'keyturn-limits-tag-values';
  readonly ruleIds = ['KT-TagValue'];

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const violations = readTemplates(context.templatePaths).flatMap((file) =>
      Object.entries(file.template.Resources ?? {}).flatMap(([id, resource]) => {
        const tags = resource.Properties?.Tags;
        if (!Array.isArray(tags)) return [];
        return tags.flatMap((tag: { Key?: unknown; Value?: unknown }, i) => {
          const key = typeof tag?.Key === 'string' ? tag.Key : undefined;
          const value = typeof tag?.Value === 'string' ? tag.Value : undefined;
          const problems: string[] = [];
          if (key !== undefined && [...key].length > MAX_TAG_KEY_CHARS)
            problems.push(
              `tag key "${key.slice(0, 40)}…" has ${[...key].length} characters (at most ${MAX_TAG_KEY_CHARS})`,
            );
          if (value !== undefined && [...value].length > MAX_TAG_VALUE_CHARS)
            problems.push(
              `tag ${key ?? `#${i}`} has a value of ${[...value].length} characters (at most ${MAX_TAG_VALUE_CHARS})`,
            );
          return problems.map((problem) =>
            violation(
              'KT-TagValue',
              `${resource.Type ?? 'resource'} ${id}: ${problem}`,
              'shorten the configuration field behind the tag: for lists (scopes, linkedSystems, usagePlanIds) fewer or ' +
                'shorter items, since they are stored space-joined in one tag',
              file,
              id,
              `Properties/Tags/${i}`,
            ),
          );
        });
      }),
    );
    return { success: violations.length === 0, violations };
  }
}
