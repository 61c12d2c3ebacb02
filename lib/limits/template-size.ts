/**
 * CloudFormation refuses a template over 1,000,000 bytes (uploaded through S3; E1002 in cfn-lint). Every template of
 * the app (main stack and key shards) must stay under it with a margin, so a later small change (one more alarm, a
 * longer description) does not turn a green synth into a failed deploy.
 */
import type {
  IPolicyValidationContext,
  IPolicyValidationPlugin,
  PolicyValidationPluginReport,
} from 'aws-cdk-lib';
import { readTemplates, violation } from './templates';

/** CloudFormation's limit for a template uploaded through S3 (as `cdk deploy` does). */
export const CLOUDFORMATION_TEMPLATE_BYTES = 1_000_000;
/** keyturn refuses templates above 95% of the limit. */
export const TEMPLATE_BYTES_BUDGET = 950_000;

export interface TemplateSizeGuardProps {
  /** Keys in the configuration. */
  readonly keyCount: number;
  /** Key shard stacks now (0: every key in the main stack). */
  readonly shardCount: number;
}

/** The shard count that brings the largest template under the budget, assuming keys dominate its size. */
function suggestedShardCount(props: TemplateSizeGuardProps, largestBytes: number): number {
  const stacks = Math.max(1, props.shardCount);
  return Math.min(props.keyCount, Math.ceil((stacks * largestBytes) / (TEMPLATE_BYTES_BUDGET * 0.8)) + 1);
}

export class TemplateSizeGuard implements IPolicyValidationPlugin {
  readonly name = 'keyturn-limits-template-size';
  readonly ruleIds = ['KT-TemplateSize'];

  constructor(private readonly props: TemplateSizeGuardProps) {}

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const files = readTemplates(context.templatePaths);
    const over = files.filter((f) => f.bytes > TEMPLATE_BYTES_BUDGET);
    const largest = Math.max(0, ...over.map((f) => f.bytes));
    const shards = suggestedShardCount(this.props, largest);
    const violations = over.map((file) =>
      violation(
        'KT-TemplateSize',
        `template ${file.name} is ${file.bytes} bytes: CloudFormation refuses templates over ` +
          `${CLOUDFORMATION_TEMPLATE_BYTES} bytes, and keyturn keeps them under ${TEMPLATE_BYTES_BUDGET}`,
        `spread the keys over more stacks: set pipeline.keyShards to ${shards} (now ${this.props.shardCount}, ` +
          `${this.props.keyCount} keys), or shorten key names, environments, owners, runbook URLs and scopes`,
        file,
      ),
    );
    return { success: violations.length === 0, violations };
  }
}
