import type { Context } from 'hono';
import { decideNextStep, needsPasskey } from '../../authorize/decide';
import { InvalidRequestUri } from '../../errors';
import { consumePushedRequest } from '../../authorize/par';
import { errorResponse, issueAuthorizationResponse, redirect } from '../../authorize/respond';
import type { AuthorizationResponse } from '../../authorize/response_mode';
import { sendAuthorizationResponse } from '../authorization_response';
import { catalog } from '../../claims/catalog';
import { now } from '../../config';
import { timingSafeEqual } from '../../crypto/hash';
import type { AppEnv } from '../../env';
import type { Params } from '../../http/params';
import { pickLocale, translator, type Translate } from '../../messages';
import { browserSessions, consentFor, usernameOf } from '../../session/browser';
import { passkeysEnabled, signupEnabled } from '../../session/config';
import { randomToken } from '../../crypto/random';
import { sessionForRequest, subjectForClient } from '../../session/for_request';
import { ClientRepository, type Client } from '../../storage/clients';
import { ConsentRepository } from '../../storage/consents';
import type { AuthorizationRequest } from '../../authorize/request';
import { pageDb, rememberWrites } from '../../session/consistency';
import { endParked, openParked, saveParked, type Parked } from '../../session/interaction';
import { signIn } from '../../session/sign_in';
import type { Interaction as StoredInteraction } from '../../storage/interactions';
import type { Session } from '../../storage/sessions';
import { UserRepository } from '../../storage/users';
import { ConsentPage, SCOPE_DESCRIPTIONS } from '../../views/consent';
import { ErrorPage } from '../../views/error';
import { LoginPage } from '../../views/login';
import { renderPage } from '../../views/render';
import { SelectAccountPage } from '../../views/select_account';
import { SignupPage, type SignupView } from '../../views/signup';
import { readFormOr400 } from '../form';
import { settings } from '../../settings';
import { startPath } from '../../upstream/config';
import { upstreams } from '../../upstream/registry';

type Interaction = StoredInteraction<AuthorizationRequest>;

/** The shared machinery of the interaction pages (sign-in, sign-up, account chooser, consent). */
export interface Loaded {
  interaction: Interaction;
  client: Client;
  csrf: string;
  /** The request is kept in the interactions table (too large for its sealed cookie). */
  stored: boolean;
}

export const expired = (c: Context<AppEnv>) =>
  renderPage(c, <ErrorPage title="This sign-in has expired" detail="The sign-in request is no longer valid. Go back to the application and start again." />, 400);

/** Opens the interaction from this browser's sealed cookie (session/interaction.ts): only the browser that started it holds it. */
export async function load(c: Context<AppEnv>, id: string): Promise<Loaded | null> {
  if (id.length > 64) return null;
  const parked = await openParked<AuthorizationRequest>(c, id);
  return parked ? withClient(c, parked) : null;
}

async function withClient(c: Context<AppEnv>, parked: Parked<AuthorizationRequest>): Promise<Loaded | null> {
  // The browser's sessions (with the consent for this client, for the pages that need them) are read beside the client.
  browserSessions(c, parked.interaction.clientId).catch(() => {});
  const client = await new ClientRepository(c.env.DB).findCached(parked.interaction.clientId);
  return client ? { interaction: parked.interaction, client, csrf: parked.csrf, stored: parked.stored } : null;
}

/**
 * Every POST must carry the form's CSRF token, equal to the one sealed in the interaction cookie
 * (checked before anything else runs). `alongside` (e.g. the password check) then runs beside the
 * client's lookup: independent round trips.
 */
export async function loadForPost<T = undefined>(
  c: Context<AppEnv>,
  id: string,
  alongside?: (form: Params) => Promise<T>,
): Promise<{ loaded: Loaded; form: Params; beside: T | undefined } | Response> {
  const form = await readFormOr400(c);
  if (form instanceof Response) return form;
  const parked = id.length > 64 ? null : await openParked<AuthorizationRequest>(c, id);
  if (!parked) return expired(c);
  if (!(await timingSafeEqual(form.get('csrf') ?? '', parked.csrf))) {
    return renderPage(c, <ErrorPage title="Invalid request" detail="The form was not submitted from this sign-in page." />, 403);
  }
  const [loaded, beside] = await Promise.all([withClient(c, parked), alongside?.(form)]);
  if (!loaded) return expired(c);
  return { loaded, form, beside };
}

/** The language (ui_locales) and display of the pages of this interaction. */
export function presentation(l: Loaded): { t: Translate; lang: string; display?: string } {
  const lang = pickLocale(l.interaction.request.uiLocales);
  return { t: translator(lang), lang, display: l.interaction.request.display };
}

export interface PageOptions {
  error?: string;
  login?: string;
  remember?: boolean;
  status?: 200 | 400 | 429;
}

/** A fresh nonce for this page's scripts, allowed by its CSP (http/security.ts). */
export function scriptNonce(c: Context<AppEnv>): string {
  const nonce = randomToken(16);
  c.set('scriptNonce', nonce);
  return nonce;
}

export async function renderLogin(c: Context<AppEnv>, l: Loaded, opts: PageOptions = {}): Promise<Response> {
  const base = `/interaction/${l.interaction.id}`;
  const p = presentation(l);
  const noPasswords = !settings(c.env).localPasswords;
  // Upstream providers (issue 11), from this isolate's copy; none for acr phr (only a passkey satisfies it).
  const providers = needsPasskey(l.interaction.request) ? [] : [...(await upstreams(c.env)).values()];
  // LOCAL_PASSWORDS=off and one upstream: nothing to choose, straight to it.
  if (noPasswords && providers.length === 1 && !opts.error) return redirect(c, startPath(providers[0]!.slug, l.interaction.id));
  return renderPage(
    c,
    <LoginPage
      {...p}
      clientName={l.client.name}
      action={`${base}/login`}
      cancelAction={`${base}/abort`}
      csrf={l.csrf}
      login={opts.login ?? l.interaction.request.loginHint}
      error={opts.error}
      remember={opts.remember}
      signupHref={signupEnabled(c.env) ? `${base}/signup` : undefined}
      passkey={passkeysEnabled(c.env) ? { optionsUrl: `${base}/passkey/options`, action: `${base}/passkey`, required: needsPasskey(l.interaction.request), nonce: scriptNonce(c) } : undefined}
      upstreams={providers.map((u) => ({ name: u.name, href: startPath(u.slug, l.interaction.id) }))}
      noPasswords={noPasswords}
    />,
    opts.status ?? 200,
  );
}

export function renderSignup(c: Context<AppEnv>, l: Loaded, opts: { error?: string; values?: SignupView['values']; status?: 200 | 400 | 429 } = {}): Response {
  const base = `/interaction/${l.interaction.id}`;
  const values = opts.values ?? { email: l.interaction.request.loginHint?.includes('@') ? l.interaction.request.loginHint : undefined };
  return renderPage(
    c,
    <SignupPage
      {...presentation(l)}
      clientName={l.client.name}
      action={`${base}/signup`}
      csrf={l.csrf}
      loginHref={`${base}/login`}
      values={values}
      error={opts.error}
      passkey={passkeysEnabled(c.env) ? { optionsUrl: `${base}/signup/passkey/options`, action: `${base}/signup/passkey`, nonce: scriptNonce(c) } : undefined}
    />,
    opts.status ?? 200,
  );
}

async function renderChooser(c: Context<AppEnv>, l: Loaded, current: Session | null): Promise<Response> {
  const p = presentation(l);
  const held = (await browserSessions(c)).held.map((h) => h.session);
  const all = !current || held.some((s) => s.sid === current.sid) ? held : [current, ...held];
  const users = new UserRepository(c.env.DB);
  const accounts = await Promise.all(
    all.map(async (s) => {
      const user = await users.find(s.userId);
      const name = user?.claims.name ?? user?.username ?? '';
      return { sid: s.sid, label: name, detail: user?.email ?? user?.username ?? '', current: s.sid === current?.sid };
    }),
  );
  return renderPage(c, <SelectAccountPage {...p} clientName={l.client.name} action={`/interaction/${l.interaction.id}/select`} csrf={l.csrf} accounts={accounts} />);
}

export interface AdvanceOptions extends PageOptions {
  consentedHere?: boolean;
  /** The session just created by this request (its cookie is not in the request yet). */
  session?: Session;
  /** After a successful POST, pages are reached by a 303 (post/redirect/get), not rendered inline. */
  redirectToPages?: boolean;
  /** The consent read started earlier in this request (beside the session write of a sign-in). */
  consented?: Promise<Set<string>>;
  /** Scopes approved on this page: recorded (merged with those granted before) in the batch that issues the code. */
  approvedHere?: Iterable<string>;
}

/** Works out the next step and answers with it: a page, or the redirect back to the client. */
export async function advance(c: Context<AppEnv>, l: Loaded, opts: AdvanceOptions = {}): Promise<Response> {
  const { interaction: ia, client } = l;
  const session = opts.session ?? (await sessionForRequest(c, ia.request, client));
  const consented = session ? await (opts.consented ?? consentFor(c, session, client.id)) : new Set<string>();
  const otherAccounts = ia.request.prompt.includes('select_account') && (await browserSessions(c)).held.some((h) => h.session.sid !== session?.sid);
  const next = decideNextStep({
    otherAccounts,
    request: ia.request,
    client,
    session,
    sessionSubject: session ? await subjectForClient(c.env, client, session.userId) : null,
    consentedScopes: consented,
    authenticatedHere: session !== null && ia.userId === session.userId && ia.authenticatedAt !== null && session.authTime >= ia.authenticatedAt,
    consentedHere: opts.consentedHere ?? false,
    accountChosenHere: session !== null && ia.selected === session.sid,
    addAccount: ia.selected === 'new',
    now: now(),
  });
  const base = `/interaction/${ia.id}`;
  if (opts.redirectToPages && next.step !== 'issue' && next.step !== 'error') return redirect(c, base, 303);
  switch (next.step) {
    case 'login':
      return renderLogin(c, l, opts);
    case 'signup':
      return renderSignup(c, l);
    case 'select_account':
      return renderChooser(c, l, session);
    case 'consent': {
      const [username, descriptions] = await Promise.all([usernameOf(c, session!, client.id), customScopeDescriptions(c, next.scopes)]);
      return renderPage(
        c,
        <ConsentPage {...presentation(l)} clientName={client.name} username={username} scopes={next.scopes} descriptions={descriptions} action={`${base}/consent`} csrf={l.csrf} />,
      );
    }
    case 'error':
      return finish(c, l, errorResponse(ia.request, c.var.issuer, next.error, client));
    case 'issue': {
      // The consent given here goes into the batch that records the code's relying party: no second read, one write trip.
      const alsoWrite = opts.approvedHere
        ? [new ConsentRepository(pageDb(c)).rememberStatement(next.session.userId, client.id, [...consented, ...opts.approvedHere], now())]
        : [];
      let response: AuthorizationResponse;
      try {
        response = await issueAuthorizationResponse(c.env, client, ia.request, next.session, c.var.issuer, { alsoWrite, db: pageDb(c) });
      } catch (err) {
        // A pushed request another authorization used first (RFC 9126 §4): this one ends, at the client.
        if (err instanceof InvalidRequestUri) return finish(c, l, errorResponse(ia.request, c.var.issuer, err, client));
        throw err;
      }
      rememberWrites(c);
      return finish(c, l, response);
    }
  }
}

/** The descriptions of the operator-defined scopes among these (the catalog is cached per isolate). */
async function customScopeDescriptions(c: Context<AppEnv>, scopes: string[]): Promise<Record<string, string>> {
  if (scopes.every((s) => s in SCOPE_DESCRIPTIONS)) return {};
  const custom = await catalog(c.env);
  const out: Record<string, string> = {};
  for (const s of scopes) {
    const description = custom.scopes.get(s)?.description;
    if (description) out[s] = description;
  }
  return out;
}

export function finish(c: Context<AppEnv>, l: Loaded, response: AuthorizationResponse): Promise<Response> {
  endParked(c, l);
  // An authorization that ends with an error uses its pushed request up too (issuing already did).
  const pushedId = l.interaction.request.pushedId;
  if (pushedId && response.params.error) c.executionCtx.waitUntil(consumePushedRequest(c.env, pushedId).catch(() => {}));
  return sendAuthorizationResponse(c, response, c.req.method === 'POST' ? 303 : 302);
}

export interface SignedInOptions {
  /** How the user authenticated (the session's amr); a password by default. */
  amr?: string[];
  /** Decided beside the sign-in: whether to offer adding a passkey before continuing. */
  offer?: Promise<boolean>;
  /** When the user authenticated, if not now (an upstream provider's auth_time). */
  authTime?: number;
  /** Run with the session once it exists, beside the interaction cookie's update (e.g. recording where it came from). */
  withSession?: (session: Session) => Promise<unknown>;
}

/**
 * After a successful sign-in or sign-up in this interaction: the session (new or renewed), the
 * parked request marked as authenticated here (its sealed cookie re-set, no storage trip), then
 * the next page. The consent for the client is read beside the session write.
 */
export async function signedIn(c: Context<AppEnv>, loaded: Loaded, userId: string, remember: boolean, opts: SignedInOptions = {}): Promise<Response> {
  const consented = new ConsentRepository(pageDb(c)).grantedScopes(userId, loaded.client.id);
  consented.catch(() => {});
  const [session, offer] = await Promise.all([signIn(c, userId, remember, opts.amr, opts.authTime), opts.offer ?? false]);
  const next = { ...loaded, interaction: { ...loaded.interaction, userId, authenticatedAt: session.authTime } };
  await Promise.all([saveParked(c, next), opts.withSession?.(session)]);
  if (offer) return redirect(c, `/interaction/${loaded.interaction.id}/passkey/offer`, 303);
  return advance(c, next, { session, consented, redirectToPages: true });
}
