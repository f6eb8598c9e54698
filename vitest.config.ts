import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/e2e/**', 'tests/network/**', 'node_modules/**'],
          environment: 'node',
          // A limit against hangs, not a speed goal: a file's first test pays for transforming its whole module
          // graph (main/index.ts and everything it imports), which took over 5 s on a loaded 2-core machine.
          testTimeout: 20_000,
          // Projects run one group after another (unit, then e2e, then network), never side by side:
          // browsers on two cores next to another suite would turn timing into noise.
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/global-setup.ts'],
          // One real call at a time: two cores, real WebRTC.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Simulated NATs, coturn and one Chromium per home host. Needs root; skipped loudly otherwise.
          name: 'network',
          include: ['tests/network/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/network/global-setup.ts'],
          // One topology at a time: namespaces, coturn and two browsers per scenario on two cores.
          fileParallelism: false,
          // Failure paths need > 16 s for ICE to give up; recovery scenarios include a 5 s outage.
          testTimeout: 120_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
