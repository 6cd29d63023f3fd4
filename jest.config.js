/** Tests are transpiled by esbuild (type checking is `npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-jest.js' },
  testMatch: ['<rootDir>/functions/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/support/global-setup.js',
};
