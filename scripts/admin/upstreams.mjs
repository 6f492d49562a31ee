// `upstreams …`: upstream OpenID providers users may sign in through (issue 11, the OP as an SSO broker).
import { CliError } from '../lib/op.mjs';
import { printTable } from './output.mjs';

/** --claim LOCAL=UPSTREAM, repeatable: an object for claim_mapping. UPSTREAM empty: LOCAL is not mapped. */
function claimMapping(specs) {
  if (!specs) return undefined;
  const out = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new CliError(`--claim must be LOCAL=UPSTREAM (e.g. name=displayName); got "${spec}"`, 2);
    out[spec.slice(0, eq)] = spec.slice(eq + 1);
  }
  return out;
}

const COMMON_FLAGS = {
  name: { type: 'string', value: 'NAME', desc: 'shown as "Continue with NAME" on the sign-in page' },
  issuer: { type: 'string', value: 'URL', desc: "the upstream's issuer (its discovery document is fetched from it)" },
  'client-id': { type: 'string', value: 'ID', desc: 'our client_id at the upstream' },
  'client-secret': { type: 'string', value: 'S', desc: 'our client secret at the upstream (sealed at rest; not with --auth-method private_key_jwt)' },
  'auth-method': {
    type: 'string',
    value: 'M',
    desc: 'client authentication at the upstream: client_secret_basic (default), client_secret_post, or private_key_jwt (the OP makes a key pair; register the printed jwks_uri there)',
  },
  'key-alg': { type: 'string', value: 'ALG', desc: 'private_key_jwt: the key pair\'s algorithm, ES256 (default) or RS256' },
  scope: { type: 'string', repeat: true, value: 'S', desc: 'a scope to ask for (repeatable; default openid profile email; openid is always added)' },
  claim: { type: 'string', repeat: true, value: 'LOCAL=UPSTREAM', desc: 'fill local claim LOCAL (or attributes.KEY) from upstream claim UPSTREAM (repeatable; over the default mapping)' },
  'link-by-email': { type: 'boolean', desc: 'offer to link to the local account with the same verified email (after its password)' },
  'end-session': { type: 'boolean', desc: 'RP-initiated logout also ends the session at the upstream' },
};

/** The API body from the flags given (only those). */
function body(flags) {
  return Object.fromEntries(
    Object.entries({
      name: flags.name,
      issuer: flags.issuer,
      client_id: flags.clientId,
      client_secret: flags.clientSecret,
      auth_method: flags.authMethod,
      key_alg: flags.keyAlg,
      rotate_key: flags.rotateKey,
      scopes: flags.scope,
      claim_mapping: claimMapping(flags.claim),
      link_by_email: flags.linkByEmail,
      end_session: flags.endSession,
    }).filter(([, v]) => v !== undefined),
  );
}

const printOne = (u) => {
  console.log(`upstream ${u.slug} (${u.name}): ${u.issuer}, client_id ${u.client_id}`);
  console.log(`  client authentication: ${u.auth_method ?? 'client_secret_basic'}${u.key ? ` (key ${u.key.kid}, ${u.key.alg})` : ''}`);
  if (u.jwks_uri) console.log(`  jwks_uri (register it at the upstream): ${u.jwks_uri}`);
  console.log(`  scopes: ${u.scopes.join(' ')}`);
  console.log(`  claims: ${Object.entries(u.claim_mapping).map(([l, r]) => (l === r ? l : `${l}=${r}`)).join(', ')}`);
  console.log(`  link by email: ${u.link_by_email ? 'yes' : 'no'}; end upstream session at logout: ${u.end_session ? 'yes' : 'no'}`);
  console.log(`  redirect_uri (register it at the upstream): ${u.redirect_uri}`);
  console.log(`  backchannel_logout_uri: ${u.backchannel_logout_uri}`);
};

/**
 * `--issuer` in these commands is the upstream's issuer (the issue's interface); the OP's own URL
 * is then given before the command (`--issuer URL upstreams create …`) or by OP_URL (ownIssuer).
 */
export const upstreamCommands = {
  'upstreams create': {
    summary: 'add an upstream OpenID provider; prints the redirect_uri to register there',
    ownIssuer: true,
    flags: {
      ...COMMON_FLAGS,
      name: { ...COMMON_FLAGS.name, required: true },
      slug: { type: 'string', required: true, value: 'SLUG', desc: 'short name in URLs and idp_hint (a-z, 0-9, -)' },
      issuer: { ...COMMON_FLAGS.issuer, required: true },
      'client-id': { ...COMMON_FLAGS['client-id'], required: true },
    },
    async run({ api, flags }) {
      // A client secret, unless the OP authenticates with a key of its own (private_key_jwt).
      if (flags.authMethod !== 'private_key_jwt' && !flags.clientSecret) throw new CliError('upstreams create: --client-secret is required (or --auth-method private_key_jwt)', 2);
      const u = await api.request('POST', '/admin/upstreams', { slug: flags.slug, ...body(flags) });
      return { slug: u.slug, redirect_uri: u.redirect_uri, ...(u.jwks_uri ? { jwks_uri: u.jwks_uri } : {}) };
    },
    print: (res) => {
      console.log(`upstream ${res.slug} created; register this redirect_uri at the upstream: ${res.redirect_uri}`);
      if (res.jwks_uri) console.log(`and this jwks_uri, with token_endpoint_auth_method private_key_jwt: ${res.jwks_uri}`);
    },
  },
  'upstreams list': {
    summary: 'list the upstream providers',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/upstreams'),
    print(res) {
      if (!res.upstreams.length) return console.log('no upstreams');
      printTable(res.upstreams, [
        ['SLUG', (u) => u.slug],
        ['NAME', (u) => u.name],
        ['ISSUER', (u) => u.issuer],
        ['CLIENT_ID', (u) => u.client_id],
        ['AUTH', (u) => u.auth_method ?? 'client_secret_basic'],
        ['LINK_BY_EMAIL', (u) => (u.link_by_email ? 'yes' : 'no')],
      ]);
    },
  },
  'upstreams get': {
    summary: 'show one upstream provider (never its secret)',
    args: ['SLUG'],
    flags: {},
    run: ({ api, args }) => api.request('GET', `/admin/upstreams/${encodeURIComponent(args[0])}`),
    print: printOne,
  },
  'upstreams update': {
    summary: 'change an upstream provider (the flags given; --claim replaces the whole mapping)',
    ownIssuer: true,
    args: ['SLUG'],
    flags: { ...COMMON_FLAGS, 'rotate-key': { type: 'boolean', desc: 'private_key_jwt: replace the key pair (the upstream must fetch the jwks_uri again)' } },
    run({ api, args, flags }) {
      const changes = body(flags);
      if (!Object.keys(changes).length) throw new CliError('upstreams update: nothing to change; give at least one flag', 2);
      return api.request('PATCH', `/admin/upstreams/${encodeURIComponent(args[0])}`, changes);
    },
    print: printOne,
  },
  'upstreams delete': {
    summary: 'delete an upstream provider and its account links (the local users stay)',
    args: ['SLUG'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/upstreams/${encodeURIComponent(args[0])}`);
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted upstream ${res.deleted}`),
  },
};
