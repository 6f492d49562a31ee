import type { Context } from 'hono';
import { decideNextStep, needsPasskey } from '../../authorize/decide';
import { errorLocation, issueCode, redirect } from '../../authorize/respond';
import { catalog } from '../../claims/catalog';
import { now } from '../../config';
import { sha256Base64url, timingSafeEqual } from '../../crypto/hash';
import type { AppEnv } from '../../env';
import { clearInteractionCookie, readInteractionCookie } from '../../http/cookies';
import type { Params } from '../../http/params';
import { pickLocale, translator, type Translate } from '../../messages';
import { browserSessions } from '../../session/browser';
import { passkeysEnabled, signupEnabled } from '../../session/config';
import { randomToken } from '../../crypto/random';
import { sessionForRequest, subjectForClient } from '../../session/for_request';
import { ClientRepository, type Client } from '../../storage/clients';
import { ConsentRepository } from '../../storage/consents';
import type { AuthorizationRequest } from '../../authorize/request';
import { InteractionRepository, type Interaction as StoredInteraction } from '../../storage/interactions';
import type { Session } from '../../storage/sessions';
import { UserRepository } from '../../storage/users';
import { ConsentPage, SCOPE_DESCRIPTIONS } from '../../views/consent';
import { ErrorPage } from '../../views/error';
import { LoginPage } from '../../views/login';
import { renderPage } from '../../views/render';
import { SelectAccountPage } from '../../views/select_account';
import { SignupPage, type SignupView } from '../../views/signup';
import { readFormOr400 } from '../form';

type Interaction = StoredInteraction<AuthorizationRequest>;

/** The shared machinery of the interaction pages (sign-in, sign-up, account chooser, consent). */
export interface Loaded {
  interaction: Interaction;
  client: Client;
  csrf: string;
}

export const expired = (c: Context<AppEnv>) =>
  renderPage(c, <ErrorPage title="This sign-in has expired" detail="The sign-in request is no longer valid. Go back to the application and start again." />, 400);

/** Loads the interaction and checks that this browser started it (its CSRF cookie matches the stored hash). */
export async function load(c: Context<AppEnv>, id: string): Promise<Loaded | null> {
  const csrf = readInteractionCookie(c, id);
  if (!csrf || id.length > 64) return null;
  const found = await new InteractionRepository<AuthorizationRequest>(c.env.DB).find(id, now());
  if (!found || !(await timingSafeEqual(await sha256Base64url(csrf), found.csrfHash))) return null;
  const client = await new ClientRepository(c.env.DB).find(found.clientId);
  return client ? { interaction: found, client, csrf } : null;
}

/** Every POST must carry the form's CSRF token, equal to the interaction cookie. */
export async function loadForPost(c: Context<AppEnv>, id: string): Promise<{ loaded: Loaded; form: Params } | Response> {
  const form = await readFormOr400(c);
  if (form instanceof Response) return form;
  const loaded = await load(c, id);
  if (!loaded) return expired(c);
  if (!(await timingSafeEqual(form.get('csrf') ?? '', loaded.csrf))) {
    return renderPage(c, <ErrorPage title="Invalid request" detail="The form was not submitted from this sign-in page." />, 403);
  }
  return { loaded, form };
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

export function renderLogin(c: Context<AppEnv>, l: Loaded, opts: PageOptions = {}): Response {
  const base = `/interaction/${l.interaction.id}`;
  const p = presentation(l);
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
  /** Runs only when the request is about to be answered with a code (records the consent given here). */
  beforeIssue?: (session: Session) => Promise<void>;
}

/** Works out the next step and answers with it: a page, or the redirect back to the client. */
export async function advance(c: Context<AppEnv>, l: Loaded, opts: AdvanceOptions = {}): Promise<Response> {
  const { interaction: ia, client } = l;
  const session = opts.session ?? (await sessionForRequest(c, ia.request, client));
  const consented = session ? await new ConsentRepository(c.env.DB).grantedScopes(session.userId, client.id) : new Set<string>();
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
      const user = await new UserRepository(c.env.DB).find(session!.userId);
      const descriptions = await customScopeDescriptions(c, next.scopes);
      return renderPage(
        c,
        <ConsentPage {...presentation(l)} clientName={client.name} username={user?.username ?? ''} scopes={next.scopes} descriptions={descriptions} action={`${base}/consent`} csrf={l.csrf} />,
      );
    }
    case 'error':
      return finish(c, ia, errorLocation(ia.request.redirectUri, ia.request.state, c.var.issuer, next.error));
    case 'issue':
      await opts.beforeIssue?.(next.session);
      return finish(c, ia, await issueCode(c.env, ia.request, next.session, c.var.issuer));
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

export async function finish(c: Context<AppEnv>, ia: Interaction, location: string): Promise<Response> {
  await new InteractionRepository(c.env.DB).delete(ia.id);
  clearInteractionCookie(c, ia.id);
  return redirect(c, location, c.req.method === 'POST' ? 303 : 302);
}
