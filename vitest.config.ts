import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The machines have 2 cores; more workers only queue on the database.
    maxWorkers: 2,
    env: { GRAPHILE_ENV: "development" },
  },
});
