// `users …`: accounts and their attributes (admin API /admin/users).
import { CliError } from '../lib/op.mjs';
import { fmtTime, printTable } from './output.mjs';

/** The OIDC Core §5.1 claims the CLI can set (the Worker checks their formats). */
const STANDARD_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website',
  'email', 'email_verified', 'gender', 'birthdate', 'zoneinfo', 'locale', 'phone_number', 'phone_number_verified', 'address',
];
const CLAIM_FLAG = {
  type: 'string',
  repeat: true,
  value: 'NAME=VALUE',
  desc: 'set a standard claim (OIDC Core 5.1); address as JSON ({"locality":"Paris","country":"FR"}); *_verified true|false; NAME= removes it (update)',
};

/** `--claim NAME=VALUE` flags as an object of claims; `NAME=` is null (removes, on update). */
export function parseClaims(pairs, allowRemove) {
  const claims = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new CliError(`--claim needs NAME=VALUE; got "${pair}"`, 2);
    const name = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (!STANDARD_CLAIMS.includes(name)) throw new CliError(`--claim ${name}: not a standard claim (one of ${STANDARD_CLAIMS.join(', ')}); custom values are --attribute`, 2);
    if (raw === '') {
      if (!allowRemove) throw new CliError(`--claim ${name}= removes a claim, which only users update does`, 2);
      claims[name] = null;
    } else if (name === 'address') {
      try {
        claims.address = JSON.parse(raw);
      } catch {
        throw new CliError('--claim address=VALUE needs a JSON object, e.g. address={"locality":"Paris","country":"FR"}', 2);
      }
      if (typeof claims.address !== 'object' || claims.address === null || Array.isArray(claims.address)) throw new CliError('--claim address=VALUE needs a JSON object', 2);
    } else if (name.endsWith('_verified')) {
      if (raw !== 'true' && raw !== 'false') throw new CliError(`--claim ${name} must be true or false`, 2);
      claims[name] = raw === 'true';
    } else claims[name] = raw;
  }
  return claims;
}

export const userCommands = {
  'users create': {
    summary: 'create a user',
    flags: {
      username: { type: 'string', required: true, value: 'U', desc: 'username' },
      password: { type: 'string', required: true, value: 'P', desc: 'password' },
      email: { type: 'string', value: 'E', desc: 'email' },
      'given-name': { type: 'string', value: 'G', desc: 'given_name claim' },
      'family-name': { type: 'string', value: 'F', desc: 'family_name claim' },
      name: { type: 'string', value: 'N', desc: 'name claim (full name)' },
      claim: CLAIM_FLAG,
    },
    run({ api, flags }) {
      const body = { username: flags.username, password: flags.password };
      for (const [name, value] of Object.entries(parseClaims(flags.claim, false))) body[name] = value;
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
    summary: "change a user's standard claims (--claim) and attributes (the values custom claims are read from)",
    args: ['USER_ID'],
    flags: {
      attribute: { type: 'string', repeat: true, value: 'KEY=VALUE', desc: 'set an attribute; VALUE is JSON if it parses (["a","b"], 3, true), else a string (repeatable)' },
      'remove-attribute': { type: 'string', repeat: true, value: 'KEY', desc: 'remove an attribute (repeatable)' },
      claim: CLAIM_FLAG,
      role: { type: 'string', value: 'ROLE', choices: ['admin', '', 'none'], desc: "admin (may sign in to the admin console, /admin/console); '' or none removes it" },
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
      const claims = parseClaims(flags.claim, true);
      if (Object.keys(attributes).length === 0 && Object.keys(claims).length === 0 && flags.role === undefined) {
        throw new CliError('nothing to change: give --claim, --attribute, --remove-attribute or --role', 2);
      }
      const body = {};
      if (flags.role !== undefined) body.role = flags.role === '' || flags.role === 'none' ? null : flags.role;
      if (Object.keys(attributes).length) body.attributes = attributes;
      if (Object.keys(claims).length) body.claims = claims;
      return api.request('PATCH', `/admin/users/${encodeURIComponent(args[0])}`, body);
    },
    print: printUser,
  },
  'users passkeys delete': {
    summary: "remove one of a user's passkeys (a lost device); `users get` lists them",
    args: ['USER_ID', 'CREDENTIAL_ID'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/users/${encodeURIComponent(args[0])}/passkeys/${encodeURIComponent(args[1])}`);
      return { deleted: args[1], user: args[0] };
    },
    print: (res) => console.log(`deleted passkey ${res.deleted} of user ${res.user}`),
  },
  'users links': {
    summary: "list a user's links to upstream providers' accounts (`users unlink` removes one)",
    args: ['USER_ID'],
    flags: {},
    run: ({ api, args }) => api.request('GET', `/admin/users/${encodeURIComponent(args[0])}/links`),
    print(res) {
      const links = res?.links ?? [];
      if (!links.length) return console.log('no linked accounts');
      printTable(links, [
        ['UPSTREAM', (l) => l.upstream],
        ['NAME', (l) => l.upstream_name ?? ''],
        ['SUBJECT', (l) => l.subject],
        ['LINKED', (l) => fmtTime(l.created_at)],
        ['LAST USED', (l) => fmtTime(l.last_used_at)],
      ]);
    },
  },
  'users unlink': {
    summary: "remove a user's link to an upstream provider's account (that account no longer signs in as the user)",
    args: ['USER_ID'],
    flags: {
      upstream: { type: 'string', required: true, value: 'SLUG', desc: "the upstream provider's slug" },
      subject: { type: 'string', required: true, value: 'SUB', desc: "the account's sub at the upstream (`users links` lists them)" },
    },
    async run({ api, flags, args }) {
      await api.request('DELETE', `/admin/users/${encodeURIComponent(args[0])}/links/${encodeURIComponent(flags.upstream)}/${encodeURIComponent(flags.subject)}`);
      return { user: args[0], upstream: flags.upstream, subject: flags.subject };
    },
    print: (res) => console.log(`unlinked ${res.upstream} account ${res.subject} from user ${res.user}`),
  },
  'users disable': {
    summary: "disable a user: sign-in refused, sessions ended, grants revoked (`users enable` lifts it)",
    args: ['USER_ID'],
    flags: {},
    run: ({ api, args }) => api.request('POST', `/admin/users/${encodeURIComponent(args[0])}/disable`),
    print: printUser,
  },
  'users enable': {
    summary: 'enable a disabled user again',
    args: ['USER_ID'],
    flags: {},
    run: ({ api, args }) => api.request('POST', `/admin/users/${encodeURIComponent(args[0])}/enable`),
    print: printUser,
  },
  'users reset-password': {
    summary: "set a new password for a user (the sign-up rules apply); the user's sessions end",
    args: ['USER_ID'],
    flags: { password: { type: 'string', required: true, value: 'P', desc: 'the new password' } },
    run: ({ api, flags, args }) => api.request('POST', `/admin/users/${encodeURIComponent(args[0])}/password`, { password: flags.password }),
    print: printUser,
  },
  'users sessions': {
    summary: "list a user's live sessions",
    args: ['USER_ID'],
    flags: {},
    run: ({ api, args }) => api.request('GET', `/admin/users/${encodeURIComponent(args[0])}/sessions`),
    print(res) {
      const sessions = res?.sessions ?? [];
      if (!sessions.length) return console.log('no sessions');
      printTable(sessions, [
        ['SID', (s) => s.sid],
        ['SIGNED IN', (s) => fmtTime(s.auth_time)],
        ['AMR', (s) => (s.amr ?? []).join(' ')],
        ['EXPIRES', (s) => fmtTime(s.expires_at)],
      ]);
    },
  },
  'users sessions end': {
    summary: 'end one session of a user, as a logout does (back-channel logout included)',
    args: ['USER_ID', 'SID'],
    flags: {},
    async run({ api, args }) {
      await api.request('DELETE', `/admin/users/${encodeURIComponent(args[0])}/sessions/${encodeURIComponent(args[1])}`);
      return { ended: args[1] };
    },
    print: (res) => console.log(`ended session ${res.ended}`),
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
};

function printUser(u) {
  const rows = [['id (sub)', u.id], ['username', u.username]];
  if (u.email) rows.push(['email', u.email]);
  const name = displayName(u);
  if (name) rows.push(['name', name]);
  const claims = { ...(u.claims ?? {}) };
  for (const k of ['email', 'name', 'given_name', 'family_name']) delete claims[k];
  for (const [k, v] of Object.entries(claims)) rows.push([k, typeof v === 'string' ? v : JSON.stringify(v)]);
  for (const [k, v] of Object.entries(u.attributes ?? {})) rows.push([`attribute ${k}`, typeof v === 'string' ? v : JSON.stringify(v)]);
  if (u.role) rows.push(['role', u.role]);
  if (u.disabled_at) rows.push(['disabled', fmtTime(u.disabled_at)]);
  if (u.created_at !== undefined) rows.push(['created_at', fmtTime(u.created_at)]);
  if (u.has_password === false) rows.push(['password', 'none (passkeys only)']);
  for (const p of u.passkeys ?? []) {
    const state = [p.device_type === 'multiDevice' ? 'synced' : 'device-bound', p.backed_up ? 'backed up' : 'not backed up', p.last_used_at ? `last used ${fmtTime(p.last_used_at)}` : 'never used'];
    if (p.suspected_clone_at) state.push(`SUSPECTED CLONE ${fmtTime(p.suspected_clone_at)}`);
    rows.push([`passkey ${p.id}`, `${p.name} (created ${fmtTime(p.created_at)}; ${state.join(', ')})`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  for (const [k, v] of rows) console.log(`${`${k}:`.padEnd(width)}${v}`);
}

function displayName(u) {
  const c = u.claims ?? {};
  return c.name ?? [c.given_name, c.family_name].filter(Boolean).join(' ');
}
