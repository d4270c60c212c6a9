import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests spawn real git processes; the default 5 s is too tight on a shared 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
