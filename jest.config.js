/** Jest runs in ESM mode (see STACK-NOTES.md): ts-jest transpiles, `npm run lint` type-checks. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
    // @fastify/static (Swagger UI's assets) requires the ESM-only content-disposition; Node 20 loads that
    // natively but Jest's CommonJS loader does not, so that one package is compiled to CommonJS for tests.
    '/node_modules/content-disposition/.+\\.js$': [
      'ts-jest',
      {
        useESM: false,
        tsconfig: { allowJs: true, module: 'commonjs', moduleResolution: 'node10', isolatedModules: true },
      },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!content-disposition/)'],
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/bench/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e-spec.ts',
  ],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60000,
  maxWorkers: 2,
  // A worker's heap grows by about 40 MB with each file it runs (ESM under --experimental-vm-modules keeps each
  // file's module graph), so after twenty files it holds about a gigabyte, and V8 then needs 0.5 to 0.8 s to tear
  // that heap down after the worker's event loop has emptied. Jest's default of 500 ms killed workers that were
  // exiting cleanly and blamed "improper teardown". A worker that really leaks a handle is still killed, and still
  // reported, after this longer wait.
  workerGracefulExitTimeout: 5000,
};
