import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The property suites run thousands of seeded cases; give slow CI machines room.
    testTimeout: 120_000,
  },
});
