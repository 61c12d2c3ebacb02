/**
 * Synth-time guards for the limits CloudFormation and the services enforce at deploy: template size, tag lengths,
 * rotation windows. Each guard is one file and one validation plugin; `applyLimitGuards` adds them all to an app, so
 * every `cdk synth` (and `app.synth()` in tests) runs them over every template, nested shards included. Rules that
 * belong to the configuration (joined tag lists, windows, vendor key caps) are refused earlier, by the schema, with
 * the key and field in the message (lib/config/schema.ts).
 */
import { Validations, type App } from 'aws-cdk-lib';
import { RotationWindowGuard } from './rotation-window';
import { TagValueGuard } from './tag-values';
import { TemplateSizeGuard, type TemplateSizeGuardProps } from './template-size';

export function applyLimitGuards(app: App, plan: TemplateSizeGuardProps): void {
  Validations.of(app).addPlugins(new TemplateSizeGuard(plan), new TagValueGuard(), new RotationWindowGuard());
}
