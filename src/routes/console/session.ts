import type { Context } from 'hono';
import { now } from '../../config';
import { kekSecrets } from '../../crypto/derived_keys';
import { openJsonWithAny, sealJson } from '../../crypto/sealed';
import type { AppEnv } from '../../env';
import { clearOpCookie, readOpCookie, setOpCookie } from '../../http/cookies';

/**
 * The admin console's session (issue 15), apart from relying parties' sessions: its own cookie
 * (`__Host-op_console` on https: Secure, Path=/, no Domain; HttpOnly; SameSite=Strict), whose
 * value is sealed (AES-256-GCM under a key derived from KEY_ENCRYPTION_KEY for this purpose only,
 * src/crypto/sealed.ts): the admin's user id, the CSRF token of the console's forms, when it
 * started and when it was last used. Every request re-seals it with a new `last`; one idle for
 * CONSOLE_IDLE_SECONDS (15 minutes) or older than CONSOLE_MAX_SECONDS needs a fresh sign-in. The
 * user's role is checked on every request (src/routes/console/index.tsx), so removing the role or
 * disabling the user ends the console session at the next click.
 */
export const CONSOLE_IDLE_SECONDS = 15 * 60;
export const CONSOLE_MAX_SECONDS = 12 * 3600;
const PURPOSE = 'console-session';
const CONTEXT = 'admin-console';

export interface ConsoleSession {
  v: 1;
  uid: string;
  csrf: string;
  iat: number;
  last: number;
}

export async function openConsoleSession(c: Context<AppEnv>): Promise<ConsoleSession | null> {
  const raw = readOpCookie(c, 'op_console');
  if (!raw) return null;
  const s = (await openJsonWithAny<ConsoleSession>(kekSecrets(c.env), PURPOSE, CONTEXT, raw))?.value;
  const at = now();
  if (!s || s.v !== 1 || typeof s.uid !== 'string' || typeof s.csrf !== 'string' || typeof s.iat !== 'number' || typeof s.last !== 'number') return null;
  if (at - s.last > CONSOLE_IDLE_SECONDS || at - s.iat > CONSOLE_MAX_SECONDS || s.last > at + 60) return null;
  return s;
}

export async function writeConsoleSession(c: Context<AppEnv>, s: ConsoleSession): Promise<void> {
  setOpCookie(c, 'op_console', await sealJson(c.env.KEY_ENCRYPTION_KEY, PURPOSE, CONTEXT, s), { sameSite: 'Strict', maxAge: CONSOLE_IDLE_SECONDS });
}

export const clearConsoleSession = (c: Context<AppEnv>): void => clearOpCookie(c, 'op_console', 'Strict');
