/// <reference types="node" />
// A real, independent OpenID provider for the upstream (SSO broker) tests: the certified
// `oidc-provider` package, started in this process on 127.0.0.1. Its sign-in and consent pages are
// replaced by a handler that signs in whichever account the test chose (or answers an error), so
// the test drives the protocol, not a UI.
import { createServer, type Server } from 'node:http';
// @ts-expect-error oidc-provider ships no type declarations
import Provider from 'oidc-provider';
import { freePort } from './wrangler';

export interface UpstreamOp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims of the accounts it knows, by their `sub`. */
  accounts: Map<string, Record<string, unknown>>;
  /** What its sign-in does next: sign in this account, or answer this error. */
  next: { account: string } | { error: string };
  /** The errors its token endpoint answered (oidc-provider's grant.error events), e.g. invalid_client. */
  tokenErrors: string[];
  /** Logs the browser out at the upstream (RP-initiated logout there), which sends back-channel logout tokens. */
  endSessionUrl: string;
  stop(): Promise<void>;
  /** Stops answering (an upstream that is down), then starts again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * A second client, authenticated with private_key_jwt (OIDC Core §9): oidc-provider fetches its
 * public key from `jwksUri` (our OP's /upstream/{slug}/jwks) to verify the client assertion.
 */
export interface KeyClientOptions {
  clientId: string;
  jwksUri: string;
  redirectUris: string[];
}

export async function startUpstreamOp(opts: {
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  clientId?: string;
  clientSecret?: string;
  keyClient?: KeyClientOptions;
}): Promise<UpstreamOp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = opts.clientId ?? 'broker';
  const clientSecret = opts.clientSecret ?? `broker-secret-${crypto.randomUUID()}`;
  const accounts = new Map<string, Record<string, unknown>>();
  const state: UpstreamOp = {
    issuer,
    clientId,
    clientSecret,
    accounts,
    next: { error: 'access_denied' },
    tokenErrors: [],
    endSessionUrl: `${issuer}/session/end`,
    stop: async () => {},
    pause: async () => {},
    resume: async () => {},
  };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: opts.redirectUris,
        post_logout_redirect_uris: opts.postLogoutRedirectUris ?? [],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        // The ID token then carries auth_time and acr (oidc-provider sends them when asked for).
        require_auth_time: true,
        default_acr_values: ['urn:upstream:mfa'],
        ...(opts.backchannelLogoutUri ? { backchannel_logout_uri: opts.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      },
      ...(opts.keyClient
        ? [
            {
              client_id: opts.keyClient.clientId,
              redirect_uris: opts.keyClient.redirectUris,
              grant_types: ['authorization_code'],
              response_types: ['code'],
              token_endpoint_auth_method: 'private_key_jwt',
              jwks_uri: opts.keyClient.jwksUri,
            },
          ]
        : []),
    ],
    async findAccount(_ctx: unknown, id: string) {
      const claims = accounts.get(id);
      return claims ? { accountId: id, claims: async () => ({ sub: id, ...claims }) } : undefined;
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'picture', 'department'],
    },
    features: {
      devInteractions: { enabled: false },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: [`cookie-key-${crypto.randomUUID()}`] },
    pkce: { required: () => true },
    acrValues: ['urn:upstream:mfa'],
    // oidc-provider refuses to fetch special-use addresses (SSRF protection, a dispatcher in the
    // options); our OP under test listens on 127.0.0.1, so this test instance fetches without it.
    fetch: (url: string, options: Record<string, unknown>) => {
      const { dispatcher: _ignored, ...rest } = options;
      return globalThis.fetch(url, rest as RequestInit);
    },
    // ID tokens carry sid (for back-channel logout).
  });
  provider.proxy = false;
  for (const event of ['backchannel.error', 'end_session.error', 'server_error']) provider.on(event, (...args: unknown[]) => console.error(`upstream OP ${event}:`, ...args.map(String)));
  provider.on('grant.error', (_ctx: unknown, err: { error?: string; error_description?: string }) => state.tokenErrors.push(`${err.error}: ${err.error_description}`));
  const callback = provider.callback();
  const handler = async (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    try {
      if (req.url?.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        const next = state.next;
        if ('error' in next) {
          await provider.interactionFinished(req, res, { error: next.error, error_description: 'the user did not sign in' }, { mergeWithLastSubmission: false });
          return;
        }
        if (details.prompt.name === 'login') {
          await provider.interactionFinished(req, res, { login: { accountId: next.account, acr: 'urn:upstream:mfa' } }, { mergeWithLastSubmission: false });
          return;
        }
        const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      callback(req, res);
    } catch (e) {
      res.statusCode = 500;
      res.end(String(e));
    }
  };
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer(handler);
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
      server = undefined;
    });
  await listen();
  state.stop = close;
  state.pause = close;
  state.resume = listen;
  return state;
}
