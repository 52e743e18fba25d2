import { defineConfig } from 'vitest/config';

// The default suite: unit, property, fixture and real-socket/PTY tests. Fast (under a few minutes).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
