/**
 * Quiet tests: the SDK warns once per process that its 2027 releases need Node 22 (the Lambdas run Node 24; this
 * machine runs 20). The warning is a fact about the toolchain, not about a test: say it once in docs, not 50 times.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// aws-cdk-lib prints a jsii deprecation line when its own EventBus.addToResourcePolicy reads the deprecated
// CfnEventBusPolicy#principal (keyturn sets only `statement`): CDK's internals, not ours.
process.env.JSII_DEPRECATED ??= 'quiet';
