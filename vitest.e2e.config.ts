import { defineConfig } from 'vitest/config';

// Slow end-to-end suites: real Xen under QEMU, a real browser. Run by `npm run test:e2e`.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 900_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
