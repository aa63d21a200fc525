// Vitest for examples/testing/vitest.test.ts alone (the other files here are for node:test and Jest).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['examples/testing/vitest.test.ts'],
  },
});
