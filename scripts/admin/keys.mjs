// `keys …`: signing keys. They rotate on their own schedule; rotate and revoke are for emergencies.
import { CliError, HttpError } from '../lib/op.mjs';
import { SIGNING_ALGS as KEY_ALGS } from './lists.mjs';
import { fmtTime, printTable, warn } from './output.mjs';

const KEY_STATE_ORDER = ['active', 'next', 'retired'];

export const keyCommands = {
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
