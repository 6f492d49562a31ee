import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { passwordLogin } from '../../authn/password_login';
import { now } from '../../config';
import { timingSafeEqual } from '../../crypto/hash';
import { randomToken } from '../../crypto/random';
import type { AppEnv } from '../../env';
import { clearOpCookie, readOpCookie, setOpCookie } from '../../http/cookies';
import type { Params } from '../../http/params';
import { sourceIp } from '../../http/source_ip';
import { audit } from '../../observability/audit';
import { UserRepository } from '../../storage/users';
import { ConsoleLogin } from '../../views/console';
import { ErrorPage } from '../../views/error';
import { renderPage } from '../../views/render';
import { readFormOr400 } from '../form';
import { consoleAudit } from './audit';
import { consoleClients } from './clients';
import { consoleKeys } from './keys';
import { consoleClaims, consoleLogout, consoleRegistration } from './more';
import { consoleSettings } from './settings';
import { clearConsoleSession, openConsoleSession, writeConsoleSession } from './session';
import { setConsoleState, type ConsoleEnv } from './types';
import { consoleUsers } from './users';
import { consoleApis, consoleUpstreams } from './upstreams';

/**
 * The admin console (issue 15) at /admin/console: server-rendered pages for operators, no script.
 *
 * Sign-in: the console reuses the OP's own password sign-in (authn/password_login.ts: the same
 * throttle and `signin.failed` audit events as the relying parties' sign-in page) on its own page,
 * then requires the `admin` role; its session is its own sealed cookie (./session.ts), never the
 * relying parties' `op_session`, and expires after 15 minutes idle. Every form carries the
 * session's CSRF token (checked here, constant time) and the cookie is SameSite=Strict.
 *
 * Writes: every action calls the bearer-token admin API's own routes in-process (`callAdmin`,
 * src/routes/admin), so there is one write path and one audit record per change, with the admin
 * user (`admin:<user id>`) as the actor.
 */
export const adminConsole = new Hono<ConsoleEnv>();

const BASE = '/admin/console';

adminConsole.use('*', async (c, next) => {
  // Strict CSP as everywhere (http/security.ts: no script at all), plus: forms post only here.
  c.set('cspAdditions', [...(c.get('cspAdditions') ?? []), "form-action 'self'"]);
  await next();
  c.header('Cache-Control', 'no-store');
});

const forbidden = (c: Context<ConsoleEnv>, detail: string) => renderPage(c, <ErrorPage title="Forbidden" detail={detail} />, 403);

// ------------------------------------------------------------------ sign-in (no session needed)

adminConsole.get('/login', async (c) => {
  const csrf = randomToken(24);
  setOpCookie(c, 'op_console_login', csrf, { sameSite: 'Strict', maxAge: 900 });
  return renderPage(c, <ConsoleLogin csrf={csrf} />);
});

adminConsole.post('/login', async (c) => {
  const form = await readFormOr400(c);
  if (form instanceof Response) return form;
  const expected = readOpCookie(c, 'op_console_login');
  if (!expected || !(await timingSafeEqual(form.get('csrf') ?? '', expected))) return forbidden(c, 'The sign-in form expired or did not come from this console. Reload the sign-in page.');
  const username = form.get('username') ?? '';
  const password = form.get('password') ?? '';
  const again = (error: string, status: 400 | 429) => {
    const csrf = randomToken(24);
    setOpCookie(c, 'op_console_login', csrf, { sameSite: 'Strict', maxAge: 900 });
    return renderPage(c, <ConsoleLogin csrf={csrf} error={error} username={username} />, status);
  };
  if (!username || !password) return again('Enter your username and password.', 400);
  const result = await passwordLogin({ env: c.env, ip: sourceIp(c), now: now(), defer: (work) => c.executionCtx.waitUntil(work) }, username, password);
  if (!result.ok) return result.reason === 'throttled' ? again(`Too many attempts. Try again in ${result.retryAfter} seconds.`, 429) : again('The username or password is wrong.', 400);
  clearOpCookie(c, 'op_console_login', 'Strict');
  if (result.user.role !== 'admin') {
    audit('console.denied', { subject: result.user.id, outcome: 'failure', actor: `user:${result.user.id}` });
    return forbidden(c, 'This account is not an administrator. Ask an operator to run: npm run admin -- users update USER_ID --role admin');
  }
  const at = now();
  await writeConsoleSession(c, { v: 1, uid: result.user.id, csrf: randomToken(32), iat: at, last: at });
  audit('console.signin', { subject: result.user.id, actor: `admin:${result.user.id}` });
  return c.redirect(`${BASE}/clients`, 303);
});

// ------------------------------------------------------------------ everything else: an admin's session

const guard: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const s = await openConsoleSession(c);
  if (!s) {
    clearConsoleSession(c);
    return c.redirect(`${BASE}/login`, 303);
  }
  const user = await new UserRepository(c.env.DB).find(s.uid);
  if (!user || user.disabledAt || user.role !== 'admin') {
    clearConsoleSession(c);
    return forbidden(c, 'This account is not (or no longer) an administrator.');
  }
  let form: Params | undefined;
  if (c.req.method === 'POST') {
    const read = await readFormOr400(c);
    if (read instanceof Response) return read;
    if (!(await timingSafeEqual(read.get('csrf') ?? '', s.csrf))) return forbidden(c, 'This form is stale or did not come from this console (CSRF check failed). Go back, reload and try again.');
    form = read;
  }
  c.set('actor', `admin:${user.id}`);
  setConsoleState(c, { admin: { id: user.id, username: user.username }, csrf: s.csrf, form });
  // Sliding idle expiry: each request moves `last`.
  await writeConsoleSession(c, { ...s, last: now() });
  await next();
};

adminConsole.use('/*', async (c, next) => (c.req.path === `${BASE}/login` ? next() : guard(c, next)));

adminConsole.get('/', (c) => c.redirect(`${BASE}/clients`, 303));

adminConsole.post('/logout', (c) => {
  clearConsoleSession(c);
  return c.redirect(`${BASE}/login`, 303);
});

adminConsole.route('/clients', consoleClients);
adminConsole.route('/users', consoleUsers);
adminConsole.route('/keys', consoleKeys);
adminConsole.route('/audit', consoleAudit);
adminConsole.route('/settings', consoleSettings);
adminConsole.route('/claims', consoleClaims);
adminConsole.route('/registration', consoleRegistration);
adminConsole.route('/logout-deliveries', consoleLogout);
adminConsole.route('/upstreams', consoleUpstreams);
adminConsole.route('/apis', consoleApis);

adminConsole.all('*', (c) => renderPage(c, <ErrorPage title="Not found" detail="No such console page." />, 404));
