/**
 * keyturn's public API (`import … from 'keyturn'`): the stack and its constructs, the configuration schema and
 * loader. The verifier for services is a separate entry point, `keyturn/verifier`, with no CDK in it.
 */
export { buildKeyturnApp } from './app';
export { KeyturnStack, keyConstructId, type KeyturnStackProps } from './keyturn-stack';
export { STACK_OUTPUTS } from './keyturn-stack';
export { KeyturnPipeline, type KeyturnPipelineProps } from './pipeline';
export type { IKeyturnPipeline } from './pipeline-interface';
export { ManagedKey, secretNameFor, type ManagedKeyOptions, type ManagedKeyProps } from './managed-key';
export { KeyturnNotifications, type KeyturnNotificationsProps, type Severity } from './notifications';
export { KeyturnFunction, type KeyturnFunctionProps } from './keyturn-function';
export { applyNagChecks } from './nag';
export { ConfigurationError, loadConfigFile, parseConfig } from './config/load';
export {
  configSchema,
  type KeyConfig,
  type KeyturnConfig,
  type PipelineConfig,
  type ProviderConfig,
} from './config/schema';
