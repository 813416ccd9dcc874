import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import the workspaces by package name and run their sources (no build needed for
// them); each entry matches one import exactly, so `@solstice/cli` does not catch
// `@solstice/cli/stage-process`.
const alias = [
  { find: /^@solstice\/shared$/, replacement: src('./shared/src/index.ts') },
  {
    find: /^@solstice\/receiver\/recovery$/,
    replacement: src('./services/receiver/src/recovery/index.ts'),
  },
  {
    find: /^@solstice\/receiver\/setup$/,
    replacement: src('./services/receiver/src/setup/index.ts'),
  },
  { find: /^@solstice\/cli$/, replacement: src('./tools/cli/src/index.ts') },
  {
    find: /^@solstice\/cli\/stage-process$/,
    replacement: src('./tools/cli/src/stage-process.ts'),
  },
  {
    find: /^@solstice\/github-standin$/,
    replacement: src('./tools/github-standin/src/index.ts'),
  },
  {
    find: /^@solstice\/github-standin\/harness$/,
    replacement: src('./tools/github-standin/src/harness/index.ts'),
  },
];

export default defineConfig({
  resolve: { alias },
  test: {
    // Redis and RabbitMQ for the tests (not for test:compose, which brings its own).
    globalSetup:
      process.env.SOLSTICE_TEST_COMPOSE === '1' ? [] : ['./test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: [
            'shared/test/**/*.test.ts',
            'services/*/test/**/*.test.ts',
            'tools/*/test/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/support/**/*.test.ts',
            'test/deploy/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          testTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'failover',
          include: ['test/failover/**/*.test.ts'],
          testTimeout: 240_000,
          fileParallelism: false,
        },
      },
      // `npm run test:compose` only: the real compose.yaml on a Docker engine (it builds the
      // image and takes minutes), so not part of `npm test`. No servers of the host needed.
      ...(process.env.SOLSTICE_TEST_COMPOSE === '1'
        ? [
            {
              test: {
                name: 'compose',
                include: ['test/compose/**/*.test.ts'],
                testTimeout: 600_000,
                hookTimeout: 1_800_000,
                fileParallelism: false,
              },
            },
          ]
        : []),
    ],
  },
});
