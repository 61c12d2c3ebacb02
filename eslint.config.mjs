import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering: handlers → core + aws + providers; core is pure; lib/ takes only constants from lambdas/. */
const sdkAndRuntime = [
  {
    group: ['@aws-sdk/*', '@smithy/*'],
    message: 'core holds no AWS: put SDK calls in lambdas/aws/ behind a port.',
  },
  {
    group: ['@aws-lambda-powertools/*', '@middy/*'],
    message: 'core holds no Lambda runtime: use it in a handler.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'cdk.out/**',
      'node_modules/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp*/**',
      'dist/**',
      '*.js',
      '*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Lambda code logs through Powertools' structured logger, which never prints key material.
      'no-console': ['error'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['lambdas/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...sdkAndRuntime,
            {
              group: [
                '**/aws/*',
                '**/providers/*',
                '**/providers/**',
                '**/shared/*',
                'aws-cdk-lib',
                'aws-cdk-lib/*',
              ],
              message:
                'core imports nothing from aws/, providers/, shared/ or CDK: depend on a port in core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+lambdas/(?!core/constants$)',
              message:
                'lib/ imports from lambdas/ only lambdas/core/constants (and entry paths as strings): runtime code stays out of synth.',
            },
          ],
        },
      ],
    },
  },
  { files: ['bin/**', 'bench/**', 'test/**'], rules: { 'no-console': 'off' } },
);
