#!/usr/bin/env node
// Admin CLI for the OpenID Provider's admin API (docs/admin-api.md).
//
//   npm run admin -- <group> <command> [args] [flags]
//
// Plain Node ESM, built-ins only. To add a command, add an entry to COMMANDS: its flags are
// declared there and parsed by the shared parser (repeatable flags, booleans, choices, required).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { adminClient, CliError, DEFAULT_ISSUER, HttpError, readDevVars } from './lib/op.mjs';

// ---------------------------------------------------------------------------------------------
// Flag parsing
// ---------------------------------------------------------------------------------------------

/**
 * Flag spec: { type: 'string' | 'boolean', repeat?: true, required?: true, choices?: string[],
 *              desc: string, value?: 'NAME' (placeholder shown in help) }
 * Accepts --flag value, --flag=value, --no-flag for booleans, and `--` to end flags.
 * Returns { flags, positionals }; repeatable flags collect into arrays.
 */
export function parseArgs(argv, spec) {
  const flags = {};
  const positionals = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && arg !== '-') {
        if (arg === '-h') {
          flags.help = true;
          continue;
        }
        throw new CliError(`unknown flag ${arg}`, 2);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let negated = false;
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const def = spec[name];
    if (!def) throw new CliError(`unknown flag --${name}`, 2);
    const key = camel(name);
    let value;
    if (def.type === 'boolean') {
      if (inline !== undefined) {
        if (!['true', 'false', '1', '0', 'yes', 'no'].includes(inline)) {
          throw new CliError(`--${name} is a switch; got --${name}=${inline}`, 2);
        }
        value = ['true', '1', 'yes'].includes(inline);
      } else value = !negated;
    } else {
      if (negated) throw new CliError(`unknown flag --no-${name}`, 2);
      if (inline !== undefined) value = inline;
      else {
        if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) {
          throw new CliError(`--${name} needs a value${def.value ? ` (${def.value})` : ''}`, 2);
        }
        value = argv[++i];
      }
      if (def.choices && !def.choices.includes(value)) {
        throw new CliError(`--${name} must be one of ${def.choices.join(', ')}; got "${value}"`, 2);
      }
    }
    if (def.repeat) (flags[key] ??= []).push(value);
    else if (key in flags && def.type !== 'boolean') {
      throw new CliError(`--${name} given more than once`, 2);
    } else flags[key] = value;
  }
  return { flags, positionals };
}

function camel(name) {
  return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

const GLOBAL_FLAGS = {
  issuer: { type: 'string', value: 'URL', desc: `OP base URL (env OP_URL, default ${DEFAULT_ISSUER})` },
  json: { type: 'boolean', desc: "print the API's JSON instead of a summary" },
  help: { type: 'boolean', desc: 'show help' },
};

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'];
const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'];

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
  scope: { type: 'string', repeat: true, value: 'SCOPE', desc: 'allowed scope (repeatable; default: the standard OIDC scopes)' },
  'jwks-uri': { type: 'string', value: 'URL', desc: 'where the client publishes its keys (private_key_jwt)' },
  'jwks-file': { type: 'string', value: 'PATH', desc: 'a JSON file with the client public JWK Set (private_key_jwt)' },
  'id-token-alg': {
    type: 'string',
    choices: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    value: 'ALG',
    desc: 'id_token_signed_response_alg (default: the server default, RS256 unless configured)',
  },
  'access-token-ttl': { type: 'string', value: 'SECONDS', desc: 'access token lifetime for this client' },
  'refresh-token-ttl': { type: 'string', value: 'SECONDS', desc: 'absolute refresh token lifetime for this client' },
};

function seconds(flag, value) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--${flag} must be a whole number of seconds`, 2);
  return n;
}

/** The admin API fields that the shared client flags set (only those given). */
function clientMetadataBody(flags) {
  if (flags.jwksUri && flags.jwksFile) throw new CliError('--jwks-uri and --jwks-file are mutually exclusive', 2);
  const body = {};
  if (flags.firstParty !== undefined) body.first_party = Boolean(flags.firstParty);
  if (flags.authMethod) body.token_endpoint_auth_method = flags.authMethod;
  if (flags.grantType?.length) body.grant_types = flags.grantType;
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
  const access = seconds('access-token-ttl', flags.accessTokenTtl);
  if (access !== undefined) body.access_token_ttl = access;
  const refresh = seconds('refresh-token-ttl', flags.refreshTokenTtl);
  if (refresh !== undefined) body.refresh_token_ttl = refresh;
  return body;
}
/** CLAIM or CLAIM=V1,V2 (a role decision). Claim names are often URLs: values follow the last '='. */
function claimSpec(spec) {
  const eq = spec.lastIndexOf('=');
  return eq > 0 ? { name: spec.slice(0, eq), values: spec.slice(eq + 1).split(',').filter(Boolean) } : { name: spec };
}
const describeClaim = (c) => (c.values ? `${c.name} (only ${c.values.join(', ')})` : c.name);

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

const KEY_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const KEY_STATE_ORDER = ['active', 'next', 'retired'];

/**
 * Each command: { summary, args?: ['ID'], flags: {...}, run({ api, flags, args, out }) }.
 * `run` returns the API's JSON (printed as-is with --json) and may print its own summary via out.
 */
export const COMMANDS = {
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
  'users create': {
    summary: 'create a user',
    flags: {
      username: { type: 'string', required: true, value: 'U', desc: 'username' },
      password: { type: 'string', required: true, value: 'P', desc: 'password' },
      email: { type: 'string', value: 'E', desc: 'email' },
      'given-name': { type: 'string', value: 'G', desc: 'given_name claim' },
      'family-name': { type: 'string', value: 'F', desc: 'family_name claim' },
      name: { type: 'string', value: 'N', desc: 'name claim (full name)' },
    },
    run({ api, flags }) {
      const body = { username: flags.username, password: flags.password };
      if (flags.email !== undefined) body.email = flags.email;
      if (flags.givenName !== undefined) body.given_name = flags.givenName;
      if (flags.familyName !== undefined) body.family_name = flags.familyName;
      if (flags.name !== undefined) body.name = flags.name;
      return api.request('POST', '/admin/users', body);
    },
    print: printUser,
  },
  'users list': {
    summary: 'list users',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/users'),
    print(res) {
      const users = res?.users ?? [];
      if (!users.length) return console.log('no users');
      printTable(users, [
        ['ID', (u) => u.id],
        ['USERNAME', (u) => u.username],
        ['EMAIL', (u) => u.email ?? ''],
        ['NAME', (u) => displayName(u)],
      ]);
    },
  },
  'users get': {
    summary: 'show one user',
    args: ['USER_ID'],
    flags: {},
    run: ({ api, args }) => api.request('GET', `/admin/users/${encodeURIComponent(args[0])}`),
    print: printUser,
  },
  'users update': {
    summary: "change a user's attributes (the values custom claims are read from)",
    args: ['USER_ID'],
    flags: {
      attribute: { type: 'string', repeat: true, value: 'KEY=VALUE', desc: 'set an attribute; VALUE is JSON if it parses (["a","b"], 3, true), else a string (repeatable)' },
      'remove-attribute': { type: 'string', repeat: true, value: 'KEY', desc: 'remove an attribute (repeatable)' },
    },
    run({ api, flags, args }) {
      const attributes = {};
      for (const pair of flags.attribute ?? []) {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new CliError(`--attribute needs KEY=VALUE; got "${pair}"`, 2);
        const raw = pair.slice(eq + 1);
        let value;
        try {
          value = JSON.parse(raw);
        } catch {
          value = raw;
        }
        attributes[pair.slice(0, eq)] = value;
      }
      for (const key of flags.removeAttribute ?? []) attributes[key] = null;
      if (Object.keys(attributes).length === 0) throw new CliError('nothing to change: give --attribute or --remove-attribute', 2);
      return api.request('PATCH', `/admin/users/${encodeURIComponent(args[0])}`, { attributes });
    },
    print: printUser,
  },
  'users delete': {
    summary: 'delete a user',
    args: ['USER_ID'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/users/${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted user ${res.deleted}`),
  },
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
  'registration token': {
    summary: 'issue an initial access token for the registration endpoint (REGISTRATION=token)',
    flags: {
      uses: { type: 'string', value: 'N', desc: 'how many registrations it allows (default 1)' },
      ttl: { type: 'string', value: 'SECONDS', desc: 'lifetime (default 86400)' },
    },
    async run({ api, flags }) {
      const body = {};
      if (flags.uses !== undefined) {
        const n = Number(flags.uses);
        if (!Number.isInteger(n) || n < 1) throw new CliError('--uses must be a whole number, 1 or more', 2);
        body.uses = n;
      }
      const ttl = seconds('ttl', flags.ttl);
      if (ttl !== undefined) body.ttl = ttl;
      const res = await api.request('POST', '/admin/registration/tokens', body);
      // An interface for deployment pipelines: exactly these two members with --json.
      return { initial_access_token: res.initial_access_token, expires_at: res.expires_at };
    },
    print(res) {
      console.log(`initial_access_token: ${res.initial_access_token}`);
      console.log(`expires_at:           ${fmtTime(res.expires_at)}`);
      console.log('');
      console.log('Send it as "Authorization: Bearer <token>" to the registration endpoint. It is shown only once.');
    },
  },
  'claims create': {
    summary: 'define a claim read from a user attribute (name: a URL such as https://example.com/claims/roles)',
    flags: {
      name: { type: 'string', required: true, value: 'NAME', desc: 'claim name; standard claim names are refused' },
      attribute: { type: 'string', required: true, value: 'KEY', desc: 'the user attribute it is read from' },
      description: { type: 'string', value: 'TEXT', desc: 'what it holds' },
    },
    run({ api, flags }) {
      return api.request('POST', '/admin/claims', { name: flags.name, attribute: flags.attribute, ...(flags.description ? { description: flags.description } : {}) });
    },
    print: (c) => console.log(`claim ${c.name} <- attribute ${c.attribute}`),
  },
  'claims list': {
    summary: 'list the operator-defined claims',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/claims'),
    print(res) {
      if (!res.claims.length) return console.log('no custom claims');
      printTable(res.claims, [
        ['NAME', (c) => c.name],
        ['ATTRIBUTE', (c) => c.attribute],
        ['DESCRIPTION', (c) => c.description ?? ''],
      ]);
    },
  },
  'claims delete': {
    summary: 'delete a claim (not while a scope releases it)',
    args: ['NAME'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/claims?name=${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted claim ${res.deleted}`),
  },
  'scopes create': {
    summary: 'define a scope and the claims it releases; CLAIM=V1,V2 releases only those values (a role decision)',
    flags: {
      name: { type: 'string', required: true, value: 'SCOPE', desc: 'scope name' },
      claim: { type: 'string', repeat: true, required: true, value: 'CLAIM[=V1,V2]', desc: 'a claim it releases, optionally limited to these values (repeatable)' },
      description: { type: 'string', value: 'TEXT', desc: 'shown to users' },
    },
    run({ api, flags }) {
      const claims = flags.claim.map(claimSpec);
      return api.request('POST', '/admin/scopes', { name: flags.name, claims, ...(flags.description ? { description: flags.description } : {}) });
    },
    print: (s) => console.log(`scope ${s.name} releases ${s.claims.map(describeClaim).join(', ')}`),
  },
  'scopes list': {
    summary: 'list the operator-defined scopes',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/scopes'),
    print(res) {
      if (!res.scopes.length) return console.log('no custom scopes');
      printTable(res.scopes, [
        ['SCOPE', (s) => s.name],
        ['CLAIMS', (s) => s.claims.map((c) => (c.values ? `${c.name}=${c.values.join(',')}` : c.name)).join(' ')],
        ['DESCRIPTION', (s) => s.description ?? ''],
      ]);
    },
  },
  'scopes delete': {
    summary: 'delete a scope',
    args: ['SCOPE'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/scopes/${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted scope ${res.deleted}`),
  },
  'logout-deliveries list': {
    summary: 'back-channel logout deliveries and their outcome, newest first',
    flags: {
      status: { type: 'string', choices: ['pending', 'delivered', 'failed'], value: 'STATUS', desc: 'only this status' },
      client: { type: 'string', value: 'CLIENT_ID', desc: 'only this client' },
    },
    run({ api, flags }) {
      const q = new URLSearchParams();
      if (flags.status) q.set('status', flags.status);
      if (flags.client) q.set('client_id', flags.client);
      return api.request('GET', `/admin/logout-deliveries${q.size ? `?${q}` : ''}`);
    },
    print(res) {
      const rows = res?.deliveries ?? [];
      if (!rows.length) return console.log('no deliveries');
      printTable(rows, [
        ['CREATED', (d) => fmtTime(d.created_at)],
        ['CLIENT_ID', (d) => d.client_id],
        ['STATUS', (d) => d.status],
        ['ATTEMPTS', (d) => d.attempts],
        ['LAST', (d) => d.last_http_status ?? d.last_error ?? ''],
        ['URI', (d) => d.uri],
      ]);
    },
  },
  'keys list': {
    summary: 'list signing keys (next, active, retired) per algorithm',
    flags: {},
    run: ({ api }) => keysRequest(api, 'GET', '/admin/keys'),
    print(res) {
      const keys = [...(res?.keys ?? [])];
      if (!keys.length) return console.log('no keys');
      const rank = (s) => (KEY_STATE_ORDER.includes(s) ? KEY_STATE_ORDER.indexOf(s) : KEY_STATE_ORDER.length);
      const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
      // By alg (plain string order), then active, next, retired, then newest first.
      keys.sort(
        (a, b) =>
          cmp(String(a.alg), String(b.alg)) || rank(a.state) - rank(b.state) || (b.created_at ?? 0) - (a.created_at ?? 0),
      );
      printTable(keys, [
        ['ALG', (k) => k.alg],
        ['STATE', (k) => k.state],
        ['KID', (k) => k.kid],
        ['CREATED', (k) => fmtTime(k.created_at)],
        ['ACTIVATED', (k) => (k.activated_at !== undefined ? fmtTime(k.activated_at) : '')],
        ['RETIRED', (k) => (k.retired_at !== undefined ? fmtTime(k.retired_at) : '')],
      ]);
    },
  },
  'keys rotate': {
    summary: 'activate new signing keys now (all algorithms, or --alg), retiring the current ones',
    flags: {
      alg: { type: 'string', choices: KEY_ALGS, value: 'ALG', desc: `only this algorithm: ${KEY_ALGS.join(' | ')}` },
    },
    async run({ api, flags }) {
      warn(
        'rotating now activates new signing keys at once. Relying parties that fetched the JWKS less than ' +
          'the pre-publication window ago may not know the new key yet and may briefly fail to verify new ' +
          'tokens until they refetch it. The scheduled rotation needs no manual step.',
      );
      const res = await keysRequest(api, 'POST', '/admin/keys/rotate', flags.alg ? { alg: flags.alg } : {});
      if (typeof res?.warning === 'string' && res.warning) warn(`server: ${res.warning}`);
      return res;
    },
    print(res) {
      const rotated = res?.rotated ?? [];
      if (!rotated.length) return console.log('no keys rotated');
      for (const r of rotated) {
        console.log(`${r.alg}: activated ${r.activated}${r.retired ? `, retired ${r.retired}` : ' (no key retired)'}`);
      }
    },
  },
  'keys revoke': {
    summary: 'remove a key from the JWKS at once (compromise); an active key is replaced',
    args: ['KID'],
    flags: {},
    async run({ api, args }) {
      warn(
        `revoking ${args[0]}: tokens signed with it (ID tokens, access tokens) stop verifying at once, here ` +
          'and at relying parties as soon as they refetch the JWKS.',
      );
      const res = await keysRequest(api, 'POST', `/admin/keys/${encodeURIComponent(args[0])}/revoke`);
      if (typeof res?.warning === 'string' && res.warning) warn(`server: ${res.warning}`);
      return res;
    },
    print(res) {
      console.log(`revoked ${res.revoked}${res.alg ? ` (${res.alg})` : ''}`);
      if (res.replaced_by) console.log(`replaced by ${res.replaced_by}, now active`);
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/** Warnings go to stderr, so that --json output on stdout stays parseable. */
function warn(message) {
  console.error(`warning: ${message}`);
}

/**
 * api.request for the keys commands: a 400 or 404 answer with an OAuth-style error body becomes
 * its error_description (exit 1). A 404 without one (admin API disabled) keeps the full message.
 */
async function keysRequest(api, method, path, body) {
  try {
    return await api.request(method, path, body);
  } catch (e) {
    const b = e instanceof HttpError && e.body && typeof e.body === 'object' ? e.body : undefined;
    if (b && (e.status === 400 || e.status === 404) && typeof b.error_description === 'string') {
      const what = e.status === 404 && path.startsWith('/admin/keys/') ? ` (kid ${decodeURIComponent(path.split('/')[3])})` : '';
      throw new CliError(`${b.error_description}${what}`, 1);
    }
    throw e;
  }
}

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
  if (c.scope) console.log(`scope:                      ${c.scope}`);
  console.log(`first_party:                ${c.first_party ? 'yes' : 'no'}`);
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

function printUser(u) {
  const rows = [['id (sub)', u.id], ['username', u.username]];
  if (u.email) rows.push(['email', u.email]);
  const name = displayName(u);
  if (name) rows.push(['name', name]);
  const claims = { ...(u.claims ?? {}) };
  for (const k of ['email', 'name', 'given_name', 'family_name']) delete claims[k];
  for (const [k, v] of Object.entries(claims)) rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  for (const [k, v] of Object.entries(u.attributes ?? {})) rows.push([`attribute ${k}`, typeof v === 'string' ? v : JSON.stringify(v)]);
  if (u.created_at !== undefined) rows.push(['created_at', fmtTime(u.created_at)]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, v] of rows) console.log(`${`${k}:`.padEnd(width)}${v}`);
}

function displayName(u) {
  const c = u.claims ?? {};
  return c.name ?? [c.given_name, c.family_name].filter(Boolean).join(' ');
}

function fmtTime(t) {
  return typeof t === 'number' ? new Date(t * 1000).toISOString() : String(t);
}

function printTable(rows, cols) {
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r) ?? '')));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals) => vals.map((v, i) => (i === vals.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  console.log(line(cols.map(([h]) => h)));
  for (const c of cells) console.log(line(c));
}

function flagHelp(spec) {
  return Object.entries(spec).map(([name, d]) => {
    const left = `  --${name}${d.type === 'string' ? ` ${d.value ?? 'VALUE'}` : ''}`;
    const extra = [d.required ? 'required' : '', d.repeat ? 'repeatable' : ''].filter(Boolean).join(', ');
    return `${left.padEnd(46)} ${d.desc}${extra ? ` (${extra})` : ''}`;
  });
}

function usage(cmdName) {
  if (cmdName && COMMANDS[cmdName]) {
    const c = COMMANDS[cmdName];
    const args = (c.args ?? []).map((a) => ` ${a}`).join('');
    return [
      `Usage: npm run admin -- ${cmdName}${args} [flags]`,
      '',
      c.summary,
      '',
      'Flags:',
      ...flagHelp(c.flags),
      ...flagHelp(GLOBAL_FLAGS),
    ].join('\n');
  }
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length + (COMMANDS[n].args ?? []).join(' ').length + 1));
  return [
    'Usage: npm run admin -- <command> [args] [flags]',
    '',
    'Commands:',
    ...names.map((n) => {
      const c = COMMANDS[n];
      const left = `${n}${(c.args ?? []).map((a) => ` ${a}`).join('')}`;
      return `  ${left.padEnd(width)}  ${c.summary}`;
    }),
    '',
    'Global flags:',
    ...flagHelp(GLOBAL_FLAGS),
    '',
    'Signing keys rotate on their own schedule; `keys rotate` and `keys revoke` are for emergencies',
    'and take effect at once (both print a warning on stderr).',
    '',
    'The admin token comes from env ADMIN_TOKEN, else from ADMIN_TOKEN in .dev.vars.',
    'Run `npm run admin -- <command> --help` for the flags of a command.',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

export async function main(argvIn) {
  // Global flags that take a value may stand before the command (`--issuer URL clients list`):
  // move them behind it, where the shared parser reads them.
  const argv = [];
  const leading = [];
  for (let i = 0; i < argvIn.length; i++) {
    const a = argvIn[i];
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
    if (argv.length === 0 && name && GLOBAL_FLAGS[name]) {
      leading.push(a);
      if (GLOBAL_FLAGS[name].type === 'string' && !a.includes('=') && i + 1 < argvIn.length) leading.push(argvIn[++i]);
    } else argv.push(a);
  }
  argv.push(...leading);
  // The command name is the leading positional words that form a key of COMMANDS.
  const words = [];
  for (const a of argv) {
    if (a.startsWith('-')) break;
    words.push(a);
  }
  let cmdName;
  for (let n = Math.min(words.length, 3); n > 0; n--) {
    const candidate = words.slice(0, n).join(' ');
    if (COMMANDS[candidate]) {
      cmdName = candidate;
      break;
    }
  }
  if (!cmdName) {
    const wantsHelp = argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';
    if (wantsHelp || argv.length === 0) {
      console.log(usage());
      return wantsHelp ? 0 : 2;
    }
    const group = words[0];
    const known = Object.keys(COMMANDS).filter((n) => n.startsWith(`${group} `));
    if (known.length && words.length === 1) {
      throw new CliError(`missing subcommand for "${group}": one of ${known.map((n) => n.split(' ')[1]).join(', ')}`, 2);
    }
    throw new CliError(`unknown command "${words.join(' ') || argv[0]}"; run with --help for the list`, 2);
  }
  const cmd = COMMANDS[cmdName];
  const rest = argv.slice(cmdName.split(' ').length);
  const { flags, positionals } = parseArgs(rest, { ...cmd.flags, ...GLOBAL_FLAGS });
  if (flags.help) {
    console.log(usage(cmdName));
    return 0;
  }
  const expected = cmd.args ?? [];
  if (positionals.length < expected.length) {
    throw new CliError(`${cmdName}: missing ${expected.slice(positionals.length).join(' ')}\n\n${usage(cmdName)}`, 2);
  }
  if (positionals.length > expected.length) {
    throw new CliError(`${cmdName}: unexpected argument "${positionals[expected.length]}"`, 2);
  }
  const missing = Object.entries(cmd.flags)
    .filter(([name, d]) => d.required && flags[camel(name)] === undefined)
    .map(([name]) => `--${name}`);
  if (missing.length) {
    throw new CliError(`${cmdName}: missing required ${missing.join(', ')}\n\n${usage(cmdName)}`, 2);
  }

  const issuer = flags.issuer ?? process.env.OP_URL ?? DEFAULT_ISSUER;
  try {
    new URL(issuer);
  } catch {
    throw new CliError(`invalid issuer URL "${issuer}"`, 2);
  }
  const token = process.env.ADMIN_TOKEN || readDevVars().vars.ADMIN_TOKEN;
  const api = adminClient({ issuer, token });
  const result = await cmd.run({ api, flags, args: positionals });
  if (flags.json) console.log(JSON.stringify(result, null, 2));
  else cmd.print(result);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof CliError) {
        console.error(`error: ${err.message}`);
        process.exitCode = err.exitCode;
      } else {
        console.error(err);
        process.exitCode = 1;
      }
    },
  );
}
