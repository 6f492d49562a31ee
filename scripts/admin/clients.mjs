// `clients …`: the relying parties (admin API /admin/clients).
import { readFileSync } from 'node:fs';
import { CliError } from '../lib/op.mjs';
import { seconds } from './args.mjs';
import { claimSpec, describeClaim } from './claims.mjs';
import { AUTH_METHODS, SIGNING_ALGS } from './lists.mjs';
import { fmtTime, printTable } from './output.mjs';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'implicit'];
const RESPONSE_TYPES = ['code', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token', 'token'];

/** Flags shared by `clients create` and `clients update` (an interface: keep the names). */
const CLIENT_METADATA_FLAGS = {
  'first-party': { type: 'boolean', desc: 'first-party client: consent is skipped' },
  'auth-method': {
    type: 'string',
    choices: AUTH_METHODS,
    value: 'METHOD',
    desc: `token_endpoint_auth_method: ${AUTH_METHODS.join(' | ')} (default client_secret_basic)`,
  },
  'grant-type': { type: 'string', repeat: true, choices: GRANT_TYPES, value: 'GRANT', desc: `allowed grant: ${GRANT_TYPES.join(' | ')} (repeatable)` },
  'response-type': {
    type: 'string',
    repeat: true,
    value: 'TYPE',
    desc: `allowed response_type: ${RESPONSE_TYPES.map((t) => JSON.stringify(t)).join(' | ')}; the grants they need are added`,
  },
  scope: { type: 'string', repeat: true, value: 'SCOPE', desc: 'allowed scope (repeatable; default: the standard OIDC scopes)' },
  'default-scope': { type: 'string', repeat: true, value: 'SCOPE', desc: 'scope used when a request names none' },
  'refresh-policy': {
    type: 'string',
    choices: ['offline_access', 'always'],
    value: 'POLICY',
    desc: 'refresh tokens: offline_access (with that scope granted; default) | always (confidential clients, every grant)',
  },
  'id-token-claims': {
    type: 'string',
    choices: ['scope', 'minimal'],
    value: 'WHICH',
    desc: "ID token claims: scope (the granted scopes' claims, OIDC Core §5.4) | minimal (default: the deployment's ID_TOKEN_CLAIMS)",
  },
  'jwks-uri': { type: 'string', value: 'URL', desc: 'where the client publishes its keys (private_key_jwt)' },
  'jwks-file': { type: 'string', value: 'PATH', desc: 'a JSON file with the client public JWK Set (private_key_jwt)' },
  'id-token-alg': {
    type: 'string',
    choices: SIGNING_ALGS,
    value: 'ALG',
    desc: 'id_token_signed_response_alg (default: the server default, RS256 unless configured)',
  },
  'access-token-ttl': { type: 'string', value: 'SECONDS', desc: 'access token lifetime for this client' },
  'refresh-token-ttl': { type: 'string', value: 'SECONDS', desc: 'absolute refresh token lifetime for this client' },
  'require-par': { type: 'boolean', desc: 'require_pushed_authorization_requests: authorization requests only through /par (RFC 9126)' },
  'request-object-signing-alg': { type: 'string', choices: ['PS256', 'ES256', 'EdDSA', 'RS256', 'none'], value: 'ALG', desc: 'request_object_signing_alg: the one algorithm its request objects are signed with (RFC 9101); none only counts with REQUEST_OBJECT_NONE=on' },
  profile: { type: 'string', choices: ['fapi2'], value: 'PROFILE', desc: 'fapi2: the FAPI 2.0 Security Profile (needs --auth-method private_key_jwt, --require-par, --dpop-bound, --id-token-alg PS256|ES256|EdDSA)' },
  'dpop-bound': { type: 'boolean', desc: 'dpop_bound_access_tokens: every token request must carry a DPoP proof (RFC 9449)' },
  'request-uri': { type: 'string', repeat: true, value: 'URI', desc: 'request_uris: an https URI /authorize may fetch its request object from (repeatable; RFC 9101 §5.2)' },
  'authorization-signed-response-alg': { type: 'string', choices: SIGNING_ALGS, value: 'ALG', desc: 'authorization_signed_response_alg: JARM response signing algorithm (default RS256)' },
};

/** The admin API fields that the shared client flags set (only those given). */
function clientMetadataBody(flags) {
  if (flags.jwksUri && flags.jwksFile) throw new CliError('--jwks-uri and --jwks-file are mutually exclusive', 2);
  const body = {};
  if (flags.firstParty !== undefined) body.first_party = Boolean(flags.firstParty);
  if (flags.authMethod) body.token_endpoint_auth_method = flags.authMethod;
  if (flags.grantType?.length) body.grant_types = flags.grantType;
  if (flags.responseType?.length) body.response_types = flags.responseType;
  if (flags.defaultScope?.length) body.default_scope = flags.defaultScope.join(' ');
  if (flags.refreshPolicy) body.refresh_policy = flags.refreshPolicy;
  if (flags.idTokenClaims) body.id_token_claims = flags.idTokenClaims;
  if (flags.scope?.length) body.scope = flags.scope.join(' ');
  if (flags.jwksUri) body.jwks_uri = flags.jwksUri;
  if (flags.jwksFile) {
    try {
      body.jwks = JSON.parse(readFileSync(flags.jwksFile, 'utf8'));
    } catch (e) {
      throw new CliError(`cannot read a JWK Set from ${flags.jwksFile}: ${e.message}`, 2);
    }
  }
  if (flags.idTokenAlg) body.id_token_signed_response_alg = flags.idTokenAlg;
  if (flags.requirePar !== undefined) body.require_pushed_authorization_requests = Boolean(flags.requirePar);
  if (flags.requestObjectSigningAlg) body.request_object_signing_alg = flags.requestObjectSigningAlg;
  if (flags.profile) body.profile = flags.profile;
  if (flags.dpopBound !== undefined) body.dpop_bound_access_tokens = Boolean(flags.dpopBound);
  if (flags.requestUri?.length) body.request_uris = flags.requestUri;
  if (flags.authorizationSignedResponseAlg) body.authorization_signed_response_alg = flags.authorizationSignedResponseAlg;
  const access = seconds('access-token-ttl', flags.accessTokenTtl);
  if (access !== undefined) body.access_token_ttl = access;
  const refresh = seconds('refresh-token-ttl', flags.refreshTokenTtl);
  if (refresh !== undefined) body.refresh_token_ttl = refresh;
  return body;
}
/** Logout and login-initiation metadata, shared by `clients create` and `clients update`. */
const LOGOUT_FLAGS = {
  'post-logout-redirect-uri': { type: 'string', repeat: true, value: 'URI', desc: 'post_logout_redirect_uri (RP-Initiated Logout)' },
  'frontchannel-logout-uri': { type: 'string', value: 'URI', desc: 'frontchannel_logout_uri (Front-Channel Logout)' },
  'backchannel-logout-uri': { type: 'string', value: 'URI', desc: 'backchannel_logout_uri (Back-Channel Logout)' },
  'initiate-login-uri': { type: 'string', value: 'URI', desc: 'initiate_login_uri (app launcher, OIDC Core §4)' },
};

function logoutBody(flags) {
  return {
    ...(flags.postLogoutRedirectUri ? { post_logout_redirect_uris: flags.postLogoutRedirectUri } : {}),
    ...(flags.frontchannelLogoutUri !== undefined ? { frontchannel_logout_uri: flags.frontchannelLogoutUri } : {}),
    ...(flags.backchannelLogoutUri !== undefined ? { backchannel_logout_uri: flags.backchannelLogoutUri } : {}),
    ...(flags.initiateLoginUri !== undefined ? { initiate_login_uri: flags.initiateLoginUri } : {}),
  };
}

export const clientCommands = {
  'clients create': {
    summary: 'register a client (prints client_id and, once, client_secret)',
    flags: {
      name: { type: 'string', required: true, value: 'NAME', desc: 'client_name' },
      'redirect-uri': { type: 'string', repeat: true, value: 'URI', desc: 'redirect URI (repeatable; required for authorization_code)' },
      public: { type: 'boolean', desc: 'public client (same as --auth-method none; PKCE required)' },
      ...CLIENT_METADATA_FLAGS,
      ...LOGOUT_FLAGS,
    },
    async run({ api, flags }) {
      if (flags.public && flags.authMethod && flags.authMethod !== 'none') {
        throw new CliError(`--public conflicts with --auth-method ${flags.authMethod}`, 2);
      }
      const body = {
        client_name: flags.name,
        redirect_uris: flags.redirectUri ?? [],
        token_endpoint_auth_method: flags.public ? 'none' : (flags.authMethod ?? 'client_secret_basic'),
        first_party: Boolean(flags.firstParty),
        ...clientMetadataBody({ ...flags, authMethod: undefined, firstParty: undefined }),
        ...logoutBody(flags),
      };
      return api.request('POST', '/admin/clients', body);
    },
    print: printClientWithSecret,
  },
  'clients update': {
    summary: 'change a client (only the flags given change; a new secret is printed once if the method needs one)',
    args: ['CLIENT_ID'],
    flags: {
      name: { type: 'string', value: 'NAME', desc: 'client_name' },
      'redirect-uri': { type: 'string', repeat: true, value: 'URI', desc: 'redirect URI (repeatable; replaces the list)' },
      ...CLIENT_METADATA_FLAGS,
      ...LOGOUT_FLAGS,
    },
    async run({ api, flags, args }) {
      const body = { ...clientMetadataBody(flags), ...logoutBody(flags) };
      if (flags.name) body.client_name = flags.name;
      if (flags.redirectUri?.length) body.redirect_uris = flags.redirectUri;
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: give at least one flag', 2);
      return api.request('PATCH', `/admin/clients/${encodeURIComponent(args[0])}`, body);
    },
    print: printClientWithSecret,
  },
  'clients list': {
    summary: 'list clients',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/clients'),
    print(res) {
      const clients = res?.clients ?? [];
      if (!clients.length) return console.log('no clients');
      printTable(clients, [
        ['CLIENT_ID', (c) => c.client_id],
        ['NAME', (c) => c.client_name],
        ['AUTH_METHOD', (c) => c.token_endpoint_auth_method],
        ['FIRST_PARTY', (c) => (c.first_party ? 'yes' : 'no')],
        ['REDIRECT_URIS', (c) => (c.redirect_uris ?? []).join(' ')],
      ]);
    },
  },
  'clients get': {
    summary: 'show one client',
    args: ['CLIENT_ID'],
    flags: {},
    run: ({ api, args }) => api.request('GET', `/admin/clients/${encodeURIComponent(args[0])}`),
    print: printClient,
  },
  'clients delete': {
    summary: 'delete a client',
    args: ['CLIENT_ID'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/clients/${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted client ${res.deleted}`),
  },
};

/** Listed after the users commands in the help, as always. */
export const clientSecretCommands = {
  'clients rotate-secret': {
    summary: 'issue a new client_secret; the previous one keeps working for --overlap seconds (default 86400)',
    args: ['CLIENT_ID'],
    flags: {
      overlap: { type: 'string', value: 'SECONDS', desc: 'how long the previous secret keeps working (0 = stops at once)' },
    },
    run({ api, flags, args }) {
      const body = {};
      if (flags.overlap !== undefined) {
        const n = Number(flags.overlap);
        if (!Number.isInteger(n) || n < 0) throw new CliError('--overlap must be a whole number of seconds (0 or more)', 2);
        body.overlap = n;
      }
      return api.request('POST', `/admin/clients/${encodeURIComponent(args[0])}/rotate-secret`, body);
    },
    print(res) {
      console.log(`client_id:       ${res.client_id}`);
      console.log(`client_secret:   ${res.client_secret}`);
      console.log(
        res.previous_secret_expires_at
          ? `previous secret: works until ${fmtTime(res.previous_secret_expires_at)}`
          : 'previous secret: no longer works',
      );
      console.log('');
      console.log('client_secret is shown only once; the OP keeps only a hash.');
    },
  },
  'clients claims': {
    summary: 'set the custom claims released to a client with every openid grant (CLAIM=V1,V2 limits the values)',
    args: ['CLIENT_ID'],
    flags: {
      claim: { type: 'string', repeat: true, value: 'CLAIM[=V1,V2]', desc: 'a claim (repeatable; replaces the list)' },
      none: { type: 'boolean', desc: 'clear the list' },
    },
    run({ api, flags, args }) {
      if (!flags.none && !flags.claim?.length) throw new CliError('give --claim (repeatable) or --none', 2);
      if (flags.none && flags.claim?.length) throw new CliError('--none conflicts with --claim', 2);
      return api.request('PUT', `/admin/clients/${encodeURIComponent(args[0])}/claims`, { claims: flags.none ? [] : flags.claim.map(claimSpec) });
    },
    print: (res) => console.log(res.claims.length ? `client ${res.client_id} receives ${res.claims.map(describeClaim).join(', ')}` : `client ${res.client_id} receives no custom claims`),
  },
};

function printClientWithSecret(client) {
  printClient(client);
  if (client.client_secret) {
    console.log('');
    console.log('client_secret is shown only once; the OP keeps only a hash (or, for client_secret_jwt, a sealed copy).');
  }
}

function printClient(c) {
  console.log(`client_id:                  ${c.client_id}`);
  if (c.client_secret) console.log(`client_secret:              ${c.client_secret}`);
  console.log(`client_name:                ${c.client_name}`);
  console.log(`token_endpoint_auth_method: ${c.token_endpoint_auth_method}`);
  if (c.grant_types) console.log(`grant_types:                ${c.grant_types.join(' ')}`);
  if (c.response_types) console.log(`response_types:             ${c.response_types.join(', ')}`);
  if (c.default_scope) console.log(`default_scope:              ${c.default_scope}`);
  if (c.refresh_policy) console.log(`refresh_policy:             ${c.refresh_policy}`);
  if (c.id_token_claims) console.log(`id_token_claims:            ${c.id_token_claims}`);
  if (c.scope) console.log(`scope:                      ${c.scope}`);
  console.log(`first_party:                ${c.first_party ? 'yes' : 'no'}`);
  if (c.require_pushed_authorization_requests) console.log(`require_par:                yes`);
  if (c.dpop_bound_access_tokens) console.log(`dpop_bound:                 yes`);
  if (c.jwks_uri) console.log(`jwks_uri:                   ${c.jwks_uri}`);
  if (c.jwks) console.log(`jwks:                       ${c.jwks.keys?.length ?? 0} key(s)`);
  for (const [k, label] of [['access_token_ttl', 'access_token_ttl'], ['refresh_token_ttl', 'refresh_token_ttl']]) {
    if (c[k] !== undefined) console.log(`${`${label}:`.padEnd(28)}${c[k]}s`);
  }
  for (const [i, uri] of (c.redirect_uris ?? []).entries()) {
    console.log(`${i === 0 ? 'redirect_uris:' : ''.padEnd(14)}              ${uri}`);
  }
  for (const [i, uri] of (c.post_logout_redirect_uris ?? []).entries()) {
    console.log(`${i === 0 ? 'post_logout_redirect_uris:' : ''.padEnd(26)}  ${uri}`);
  }
  if (c.frontchannel_logout_uri) console.log(`frontchannel_logout_uri:    ${c.frontchannel_logout_uri}`);
  if (c.backchannel_logout_uri) console.log(`backchannel_logout_uri:     ${c.backchannel_logout_uri}`);
  if (c.initiate_login_uri) console.log(`initiate_login_uri:         ${c.initiate_login_uri}`);
  if (c.created_at !== undefined) console.log(`created_at:                 ${fmtTime(c.created_at)}`);
}
