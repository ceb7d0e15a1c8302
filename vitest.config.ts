import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Hang detectors, not budgets: the suite must pass on a machine three times slower, with other work beside it.
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
