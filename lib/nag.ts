/** cdk-nag's AwsSolutions pack on every synth; unacknowledged errors fail synthesis. */
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
// cdk-nag's own rendering of a policy resource into its finding id (not re-exported from the package index).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

export function applyNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * The id of cdk-nag's AwsSolutions-IAM5 finding for a wildcard `resource` granted in `scope`'s stack, rendered as
 * cdk-nag renders it: tokens resolved in that stack, so the acknowledgement holds whether the stack's account and
 * region are tokens (`<AWS::Region>`) or pinned with `env` (`eu-west-1`).
 */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}
