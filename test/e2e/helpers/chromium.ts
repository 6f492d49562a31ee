/// <reference types="node" />
// Finds the Chromium the browser tests drive: CHROMIUM_PATH, then `chromium`, `chromium-browser`
// and `google-chrome` on PATH. Outside CI a missing browser skips those tests with one loud line;
// with CI=true it is an error (.ci/run installs Debian's Chromium).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/**
 * Flags for every test browser: headless as root, and none of Chromium's own background
 * connections (refused on this closed network, many at a time).
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first browser found, or undefined. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH && executable(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
  for (const name of NAMES) {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (dir && executable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

/**
 * The browser to use, or undefined when the browser tests are to be skipped (after printing why).
 * Throws under CI=true when none is found.
 */
export function chromiumOrSkip(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = findChromium(env);
  if (found) return found;
  const where = `${env.CHROMIUM_PATH ? `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable, and ` : ''}none of ${NAMES.join(', ')} is on PATH`;
  if (env.CI === 'true' || env.CI === '1') {
    throw new Error(`browser tests need Chromium under CI: ${where}. Install it with \`apt-get install chromium\` or set CHROMIUM_PATH.`);
  }
  console.warn(`\n!!! SKIPPING the browser tests: no Chromium found (${where}). Install it with \`sudo apt-get install chromium\` or set CHROMIUM_PATH. !!!\n`);
  return undefined;
}
