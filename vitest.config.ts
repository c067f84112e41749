// Vitest projects: unit, contract and arch run anywhere; integration needs the real-Docker rig from test/setup/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', environment: 'node', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'contract', environment: 'node', include: ['test/contract/**/*.test.ts'] } },
      { test: { name: 'arch', environment: 'node', include: ['test/arch/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/integration/**/*.test.ts'],
          // Real engine work (exports, snapshots, debootstrap-sized images) is slow next to unit tests.
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One engine is shared by every file; running files in parallel would make them see each other's
          // containers and fight over CPU on a 2-core machine.
          fileParallelism: false,
          // Checks dockerd and the test images once, and says how to fix the machine if they are absent.
          globalSetup: ['test/setup/integration-global.ts'],
        },
      },
    ],
  },
});
