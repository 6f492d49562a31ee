import { Hono, type Context } from 'hono';
import { accountOverview } from '../session/account_overview';
import { pageDb, rememberWrites } from '../session/consistency';
import { redirect } from '../authorize/respond';
import { now } from '../config';
import { sha256Base64url, timingSafeEqual } from '../crypto/hash';
import type { AppEnv } from '../env';
import { clearSessionCookie, readSessionCookie } from '../http/cookies';
import { methodNotAllowed } from '../http/json_error';
import type { Params } from '../http/params';
import { currentSession } from '../http/session';
import { pickLocale, translator } from '../messages';
import { endSession, type FrontChannelFrame } from '../logout/end_session';
import { ClientRepository } from '../storage/clients';
import { ConsentRepository } from '../storage/consents';
import { GrantRepository } from '../storage/grants';
import { SessionRepository, type Session } from '../storage/sessions';
import { UserRepository, type User } from '../storage/users';
import { AccountPage, SignedOutAccountPage, type PasskeyItem } from '../views/account';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import { parseCredentialJson, registrationOptions, relyingParty, verifyRegistration } from '../authn/passkeys';
import { randomToken } from '../crypto/random';
import { passkeysEnabled } from '../session/config';
import { PasskeyRepository, type Passkey } from '../storage/passkeys';
import { UpstreamRepository } from '../storage/upstreams';
import { upstreams } from '../upstream/registry';
import { ErrorPage } from '../views/error';
import { PROFILE_FIELDS, ProfilePage } from '../views/profile';
import { applyClaimChanges } from '../claims/profile';
import { OAuthError } from '../errors';
import { audit } from '../observability/audit';
import { LoggedOutPage } from '../views/logout';
import { renderPage } from '../views/render';
import { readFormOr400 } from './form';

/** The signed-in user's account page and app launcher. */
export const account = new Hono<AppEnv>();

/**
 * The CSRF token of the account page's forms is derived from the session's secret (the session
 * cookie value), so only the browser holding that session can compute it: a token from another
 * browser, or a cookie planted to match a token, is refused. The session secret itself never
 * appears in the page (SHA-256 is not reversible).
 */
const csrfFor = (sessionCookie: string) => sha256Base64url(`account-csrf:${sessionCookie}`);
const lang = (c: Context<AppEnv>) => pickLocale(c.req.header('Accept-Language')?.split(',').map((l) => l.split(';')[0]!.trim()).join(' '));

async function signedInUser(c: Context<AppEnv>): Promise<{ session: Session; user: User } | null> {
  const session = await currentSession(c);
  const user = session ? await new UserRepository(c.env.DB).find(session.userId) : null;
  return session && user ? { session, user } : null;
}

async function render(c: Context<AppEnv>, notice?: string, error?: string): Promise<Response> {
  const l = lang(c);
  const who = await signedInUser(c);
  if (!who) return renderPage(c, <SignedOutAccountPage lang={l} t={translator(l)} />);
  const withPasskeys = passkeysEnabled(c.env);
  const [csrf, overview, keys, links, providers] = await Promise.all([
    csrfFor(readSessionCookie(c)!),
    accountOverview(c.env, who.user, who.session, c.var.issuer, now()),
    withPasskeys ? new PasskeyRepository(c.env.DB).listForUser(who.user.id) : Promise.resolve([]),
    new UpstreamRepository(c.env.DB).linksOfUser(who.user.id),
    upstreams(c.env),
  ]);
  const upstreamLinks = links.map((l) => ({ upstream: l.upstream, name: providers.get(l.upstream)?.name ?? l.upstream, subject: l.subject, createdAt: l.createdAt }));
  const passkeys = withPasskeys ? { items: keys.map(passkeyItem), nonce: scriptNonce(c) } : undefined;
  return renderPage(
    c,
    <AccountPage lang={l} t={translator(l)} userLabel={who.user.claims.name ?? who.user.username} overview={overview} csrf={csrf} notice={notice} error={error} passkeys={passkeys} upstreamLinks={upstreamLinks} />,
    error ? 400 : 200,
  );
}

const passkeyItem = (p: Passkey): PasskeyItem => ({ id: p.id, name: p.name, createdAt: p.createdAt, lastUsedAt: p.lastUsedAt, synced: p.deviceType === 'multiDevice', backedUp: p.backedUp });

/** A fresh nonce for this page's scripts, allowed by its CSP (http/security.ts). */
function scriptNonce(c: Context<AppEnv>): string {
  const nonce = randomToken(16);
  c.set('scriptNonce', nonce);
  return nonce;
}

/** Registration challenges of the account page are bound to the session. */
const sessionBinding = (session: Session) => `session:${session.sid}`;

/** Every POST: a signed-in user and the form's CSRF token derived from this browser's session. */
async function checkedPost(c: Context<AppEnv>): Promise<{ form: Params; session: Session; user: User } | Response> {
  const form = await readFormOr400(c);
  if (form instanceof Response) return form;
  const cookie = readSessionCookie(c);
  if (!cookie || !(await timingSafeEqual(form.get('csrf') ?? '', await csrfFor(cookie)))) {
    return renderPage(c, <ErrorPage title="Invalid request" detail="The form was not submitted from your account page." />, 403);
  }
  const who = await signedInUser(c);
  if (!who) return redirect(c, '/account', 303);
  return { form, ...who };
}

account.get('/', (c) => render(c));

/** The current values of the profile form's fields (`address.x` for the address members). */
function profileValues(user: User): Record<string, string> {
  const out: Record<string, string> = {};
  const claims = user.claims as Record<string, unknown>;
  for (const f of PROFILE_FIELDS) {
    const [name, member] = f.name.split('.') as [string, string?];
    const v = member ? (claims[name] as Record<string, unknown> | undefined)?.[member] : claims[name];
    if (typeof v === 'string') out[f.name] = v;
  }
  return out;
}

/** The user edits their own standard claims (OIDC Core §5.1); the verified flags stay the operator's. */
account.get('/profile', async (c) => {
  const who = await signedInUser(c);
  if (!who) return redirect(c, '/account', 303);
  const csrf = await csrfFor(readSessionCookie(c)!);
  return renderPage(c, <ProfilePage lang={lang(c)} csrf={csrf} values={profileValues(who.user)} notice={c.req.query('saved') === '1' ? 'Your profile was saved.' : undefined} />);
});

account.post('/profile', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const changes: Record<string, unknown> = {};
  const address: Record<string, string | null> = {};
  for (const f of PROFILE_FIELDS) {
    const raw = (r.form.get(f.name) ?? '').trim();
    const [name, member] = f.name.split('.') as [string, string?];
    if (member) address[member] = raw === '' ? null : raw;
    else changes[name] = raw === '' ? null : raw;
  }
  changes.address = Object.values(address).some((v) => v !== null) ? { ...((r.user.claims.address as object | undefined) ?? {}), ...address } : null;
  // Only what changed: an unchanged phone number keeps its verified flag.
  const current = r.user.claims as Record<string, unknown>;
  for (const k of Object.keys(changes)) {
    if (JSON.stringify(changes[k] ?? undefined) === JSON.stringify(current[k])) delete changes[k];
  }
  if (Object.keys(changes).length === 0) return redirect(c, '/account/profile?saved=1', 303);
  let claims;
  try {
    claims = applyClaimChanges(r.user.claims, changes, { allowVerified: false });
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    const values = Object.fromEntries(PROFILE_FIELDS.map((f) => [f.name, r.form.get(f.name) ?? '']));
    return renderPage(c, <ProfilePage lang={lang(c)} csrf={r.form.get('csrf')!} values={values} error={err.description ?? 'That value is not valid.'} />, 400);
  }
  await new UserRepository(c.env.DB).setClaims(r.user.id, claims, now());
  audit('user.profile_updated', { subject: r.user.id, actor: `user:${r.user.id}`, details: { claims: Object.keys(changes) } });
  return redirect(c, '/account/profile?saved=1', 303);
});
account.all('/profile', (c) => methodNotAllowed(c, 'GET, POST'));
account.all('/', (c) => methodNotAllowed(c, 'GET'));

/**
 * Removes a client's access: the remembered consent goes (the next sign-in asks again) and every
 * grant of this user for the client is revoked, so the tokens issued under them stop working.
 */
account.post('/revoke', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const clientId = r.form.get('client_id') ?? '';
  const client = await new ClientRepository(c.env.DB).find(clientId);
  // Through this page's D1 session, then its bookmark to the browser: the next authorize here asks again.
  if (!client || !(await new ConsentRepository(pageDb(c)).forget(r.user.id, clientId))) return redirect(c, '/account', 303);
  await new GrantRepository(pageDb(c)).revokeForUserAndClient(r.user.id, clientId, now());
  rememberWrites(c);
  const l = lang(c);
  return render(c, translator(l)('account.revoked', { client: client.name }));
});

/** Signs the user out of every session, everywhere, with front- and back-channel logout for each. */
account.post('/logout-all', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const sessions = await new SessionRepository(c.env.DB).listForUser(r.user.id, now());
  const frames: FrontChannelFrame[] = [];
  for (const s of sessions) frames.push(...(await endSession(c.env, s, c.var.issuer, pageDb(c))).frames);
  rememberWrites(c);
  clearSessionCookie(c);
  const unique = [...new Map(frames.map((f) => [f.url, f])).values()];
  c.set('frameSrc', [...new Set(unique.map((f) => new URL(f.url).origin))]);
  const l = lang(c);
  return renderPage(c, <LoggedOutPage lang={l} t={translator(l)} frames={unique} />);
});

/** Options for navigator.credentials.create(): a new passkey for the signed-in user (the script posts here). */
account.post('/passkeys/options', async (c) => {
  if (!passkeysEnabled(c.env)) return c.json({ error: 'invalid_request', error_description: 'passkeys are not enabled' }, 404);
  const r = await checkedPost(c);
  c.header('Cache-Control', 'no-store');
  if (r instanceof Response) return c.json({ error: 'invalid_request', error_description: 'not signed in, or the form was not sent from your account page' }, 403);
  const existing = await new PasskeyRepository(c.env.DB).listForUser(r.user.id);
  const subject = { userId: r.user.id, username: r.user.username, displayName: r.user.claims.name ?? r.user.username };
  return c.json(await registrationOptions(c.env, relyingParty(c.var.issuer), sessionBinding(r.session), subject, existing, 'preferred', now()));
});

/** The answer of navigator.credentials.create(): verified against the session's challenge, then stored. */
account.post('/passkeys', async (c) => {
  if (!passkeysEnabled(c.env)) return redirect(c, '/account', 303);
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const t = translator(lang(c));
  const response = parseCredentialJson<RegistrationResponseJSON>(r.form.get('credential'));
  const result = response ? await verifyRegistration(c.env, relyingParty(c.var.issuer), sessionBinding(r.session), response, r.form.get('name') ?? '', now()) : null;
  // The challenge names the user it was issued for: it must be this one.
  if (!result?.ok || result.passkey.userId !== r.user.id || !(await new PasskeyRepository(c.env.DB).insert(result.passkey))) return render(c, undefined, t('passkey.failed'));
  return render(c, t('passkey.added'));
});

account.post('/passkeys/rename', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const name = (r.form.get('name') ?? '').trim().slice(0, 64);
  if (!name || !(await new PasskeyRepository(c.env.DB).rename(r.user.id, r.form.get('id') ?? '', name))) return redirect(c, '/account', 303);
  return render(c, translator(lang(c))('account.passkeyRenamed'));
});

/** Removes one of the user's passkeys; the last one of an account without a password stays (no way in otherwise). */
account.post('/passkeys/delete', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const t = translator(lang(c));
  const id = r.form.get('id') ?? '';
  const passwordless = r.user.passwordHash === '';
  if (!(await new PasskeyRepository(c.env.DB).delete(r.user.id, id, passwordless))) return passwordless ? render(c, undefined, t('account.passkeyLast')) : redirect(c, '/account', 303);
  return render(c, t('account.passkeyRemoved'));
});

/**
 * Removes a link to an upstream provider's account (issue 11). The last one of an account without
 * a password stays: it is the only way in.
 */
account.post('/upstream-links/delete', async (c) => {
  const r = await checkedPost(c);
  if (r instanceof Response) return r;
  const repo = new UpstreamRepository(c.env.DB);
  const links = await repo.linksOfUser(r.user.id);
  const upstream = r.form.get('upstream') ?? '';
  const subject = r.form.get('subject') ?? '';
  if (!links.some((l) => l.upstream === upstream && l.subject === subject)) return redirect(c, '/account', 303);
  if (links.length === 1 && r.user.passwordHash === '') return render(c, undefined, 'This sign-in provider is the only way into this account: it cannot be removed.');
  await repo.deleteLink(r.user.id, upstream, subject);
  // Recorded like the operators' removal (admin API), with the user as actor.
  audit('upstream.unlinked', { actor: `user:${r.user.id}`, subject: r.user.id, details: { upstream, upstream_subject: subject } });
  return render(c, 'The sign-in provider was removed from your account.');
});

account.all('/:action', (c) => methodNotAllowed(c, 'POST'));
