import { defineConfig } from 'vitest/config';
import { viteWorkerPlugin } from './scripts/worker-source.mjs';

export default defineConfig({
  // `loom:file-search-worker`: the search worker bundled into a string, as scripts/build.mjs does.
  plugins: [viteWorkerPlugin()],
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Tests spawn the CLI and bind loopback ports; two cores do best with few workers.
    maxWorkers: 2,
    testTimeout: 20_000,
    // No test may see the developer's real keys or configuration.
    env: { LOOM_TEST: '1' },
  },
});
