// `apis …`: APIs (resource servers, RFC 8707 / RFC 9068) and their introspection credentials (admin API /admin/apis).
import { seconds } from './args.mjs';
import { SIGNING_ALGS } from './lists.mjs';
import { fmtTime, printTable } from './output.mjs';

/** The API in a path: its introspection client_id or its identifier (percent-encoded). */
const apiPath = (id) => `/admin/apis/${encodeURIComponent(id)}`;

/** Flags shared by `apis create` and `apis update` (an interface: keep the names). */
const API_FLAGS = {
  name: { type: 'string', value: 'NAME', desc: 'display name' },
  scope: { type: 'string', repeat: true, value: 'SCOPE', desc: 'a scope this API defines; a scope belongs to one API' },
  'access-token-ttl': { type: 'string', value: 'SECONDS', desc: "lifetime of its access tokens (default: the client's)" },
  'signing-alg': { type: 'string', choices: SIGNING_ALGS, value: 'ALG', desc: 'JWS algorithm of its access tokens (one of SIGNING_ALGS; default: the server default)' },
};

function apiBody(flags) {
  const body = {};
  if (flags.name !== undefined) body.name = flags.name;
  if (flags.scope?.length) body.scopes = flags.scope;
  const ttl = seconds('access-token-ttl', flags.accessTokenTtl);
  if (ttl !== undefined) body.access_token_ttl = ttl;
  if (flags.signingAlg) body.signing_alg = flags.signingAlg;
  return body;
}

function printApi(a) {
  console.log(`identifier:       ${a.identifier}`);
  console.log(`name:             ${a.name}`);
  console.log(`scopes:           ${a.scopes.join(' ') || '(none)'}`);
  if (a.access_token_ttl !== undefined) console.log(`access_token_ttl: ${a.access_token_ttl}s`);
  if (a.signing_alg !== undefined) console.log(`signing_alg:      ${a.signing_alg}`);
  console.log(`client_id:        ${a.client_id}   (introspection, client_secret_basic)`);
  if (a.client_secret) console.log(`client_secret:    ${a.client_secret}`);
  if (a.created_at) console.log(`created_at:       ${fmtTime(a.created_at)}`);
  if (a.client_secret) {
    console.log('');
    console.log('client_secret is shown only once; the OP keeps only a hash.');
  }
}

export const apiCommands = {
  'apis create': {
    summary: 'register an API (resource server): tokens asked for with resource=IDENTIFIER carry aud=IDENTIFIER and only its scopes',
    flags: {
      identifier: { type: 'string', required: true, value: 'URI', desc: 'absolute URI without fragment (RFC 8707): the access tokens\' aud' },
      ...API_FLAGS,
      name: { ...API_FLAGS.name, required: true },
    },
    async run({ api, flags }) {
      const res = await api.request('POST', '/admin/apis', { identifier: flags.identifier, ...apiBody(flags) });
      // An interface for deployment pipelines: exactly these three members with --json.
      return { identifier: res.identifier, client_id: res.client_id, client_secret: res.client_secret };
    },
    print(res) {
      console.log(`identifier:    ${res.identifier}`);
      console.log(`client_id:     ${res.client_id}   (introspection, client_secret_basic)`);
      console.log(`client_secret: ${res.client_secret}`);
      console.log('');
      console.log('client_secret is shown only once; the OP keeps only a hash. `apis get` shows the rest.');
    },
  },
  'apis list': {
    summary: 'list the APIs',
    flags: {},
    run: ({ api }) => api.request('GET', '/admin/apis'),
    print(res) {
      if (!res.apis.length) return console.log('no APIs');
      printTable(res.apis, [
        ['IDENTIFIER', (a) => a.identifier],
        ['NAME', (a) => a.name],
        ['SCOPES', (a) => a.scopes.join(' ')],
        ['TTL', (a) => (a.access_token_ttl !== undefined ? `${a.access_token_ttl}s` : '')],
        ['CLIENT_ID', (a) => a.client_id],
      ]);
    },
  },
  'apis get': {
    summary: 'show an API (by identifier or introspection client_id)',
    args: ['ID'],
    flags: {},
    run: ({ api, args }) => api.request('GET', apiPath(args[0])),
    print: printApi,
  },
  'apis update': {
    summary: 'change an API; --rotate-secret makes a new introspection secret (shown once; the old one stops working)',
    args: ['ID'],
    flags: {
      ...API_FLAGS,
      'rotate-secret': { type: 'boolean', desc: 'a new introspection client_secret' },
    },
    run({ api, flags, args }) {
      const body = apiBody(flags);
      if (flags.rotateSecret) body.rotate_secret = true;
      return api.request('PATCH', apiPath(args[0]), body);
    },
    print: printApi,
  },
  'apis delete': {
    summary: 'delete an API and its introspection credential (its tokens stay valid until they expire)',
    args: ['ID'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', apiPath(args[0]));
      return { deleted: args[0] };
    },
    print: (res) => console.log(`deleted API ${res.deleted}`),
  },
};
