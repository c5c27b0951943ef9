import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: CLI and git subprocess tests share two cores with the runtime tier's image builds
    // (and, on a shared host, with other builds); no test asserts on time.
    testTimeout: 180_000,
    // Two cores on CI: forks keep memory and crash isolation simple.
    pool: 'forks',
    // The runtime tier (test/runtime/) spends its time waiting on the Docker Engine (builds,
    // start-up, health, settling): workers of its own keep its files from queuing behind the
    // unit tests and each other (vitest's default on two cores is a single worker).
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
