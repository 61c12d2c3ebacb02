/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // middy 6 ships ESM only: ts-jest transpiles it (allowJs) so jest's CommonJS runtime can load it.
    '^.+\\.(t|j)sx?$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/helpers/quiet.ts'],
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
  // One visible line when moto_server is missing (test/e2e needs it; CI=true makes its absence a failure).
  globalSetup: '<rootDir>/test/e2e/global-setup.ts',
  testTimeout: 60000,
};
