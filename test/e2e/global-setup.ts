/// <reference types="node" />
// Global setup for the e2e project: one `wrangler dev` with fresh local state for the whole run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { randomToken, runWrangler, startDevServer } from './helpers/wrangler';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the OP under test, e.g. http://127.0.0.1:41234 (also the issuer). */
    baseUrl: string;
    /** Bearer token for the admin API. */
    adminToken: string;
  }
}

export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(join(tmpdir(), 'oidc-e2e-'));
  const adminToken = randomToken();
  let server: Awaited<ReturnType<typeof startDevServer>> | undefined;
  try {
    await runWrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo]);
    server = await startDevServer({
      persistTo,
      // BACKCHANNEL_RETRY_BASE=1: back-channel logout retries after 1 s, 2 s, … so the retry tests stay quick.
      vars: { ADMIN_TOKEN: adminToken, KEY_ENCRYPTION_KEY: randomToken(), BACKCHANNEL_RETRY_BASE: '1', SIGNUP: 'on' },
      echo: process.env.E2E_VERBOSE === '1',
    });
  } catch (e) {
    rmSync(persistTo, { recursive: true, force: true });
    throw e;
  }
  project.provide('baseUrl', server.baseUrl);
  project.provide('adminToken', adminToken);

  return async () => {
    try {
      if (process.env.E2E_VERBOSE === '1') console.error(server!.logs());
      await server!.stop();
    } finally {
      rmSync(persistTo, { recursive: true, force: true });
    }
  };
}
