// jest 29 in ESM mode (NestJS 12 is ESM-only): run through `npm test`, which sets
// --experimental-vm-modules. Imports use `.js` extensions; the mapper strips them for ts-jest.
const tsJest = ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }];
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': tsJest },
  testEnvironment: 'node',
};
export default {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', roots: ['<rootDir>/src', '<rootDir>/workflows', '<rootDir>/projections'], testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'contract', roots: ['<rootDir>/test/contract'], testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'e2e', roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.e2e-spec.ts'] },
    // The same e2e suites on the PostgreSQL store (issue: server-grade stores).
    {
      ...common,
      displayName: 'e2e-postgres',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/e2e/postgres-env.ts'],
    },
    // And on the KurrentDB adapter over an in-memory stand-in for the server (no server runs here).
    {
      ...common,
      displayName: 'e2e-kurrentdb-emulated',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/e2e/kurrentdb-emulated-env.ts'],
    },
    { ...common, displayName: 'crash', roots: ['<rootDir>/test/crash'], testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'cli', roots: ['<rootDir>/test/cli'], testMatch: ['**/*.spec.ts'] },
    { ...common, displayName: 'consistency', roots: ['<rootDir>/test/consistency'], testMatch: ['**/*.spec.ts'] },
  ],
};
