import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and integration tests inside workerd, against the real local D1, KV and Durable Objects.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                // The admin API needs a token of at least 32 characters (src/settings.ts).
                ADMIN_TOKEN: 'test-admin-token-0123456789abcdefghij',
                // Without ISSUER only loopback hosts are served; the tests use https://op.example.test.
                ISSUER: 'https://op.example.test',
                // Sign-up is off by default; the tests exercise it (test/workerd/settings checks the default).
                SIGNUP: 'on',
                KEY_ENCRYPTION_KEY: 'q8Jm3vN0cXyWq1Zr5sT7uV9wX2yA4bC6dE8fG0hI2jK',
                // Every workerd test runs "during a KEY_ENCRYPTION_KEY rotation": the KeyManager Durable Object
                // reads this binding, so test/workerd/keys/kek_rotation.test.ts can seal under it and watch the cron re-seal.
                KEY_ENCRYPTION_KEY_PREVIOUS: 'pR3v1ousKeKpR3v1ousKeKpR3v1ousKeKpR3v1ousKe',
                TEST_MIGRATIONS: await readD1Migrations('./migrations'),
              },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['test/workerd/**/*.test.ts'],
          setupFiles: ['./test/workerd/apply-migrations.ts'],
          // Slow-but-correct tests (RSA key generation, full flows) on a loaded 2-core machine.
          testTimeout: 20_000,
          hookTimeout: 30_000,
        },
      },
      {
        // End-to-end tests: a real `wrangler dev` driven by openid-client, as a relying party would.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
