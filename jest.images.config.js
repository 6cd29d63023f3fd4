/**
 * Image tests only: they build the function images and render through podman, so they need root
 * (or a configured podman) and take a while. `npm run test:images`; the default config never
 * matches `*.images.ts`.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-jest.js' },
  testMatch: ['<rootDir>/test/images/**/*.images.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 600000,
};
