// Issue 10: every query on a hot path or in a purge uses an index. Runs EXPLAIN QUERY PLAN on each
// SQL statement of the Worker against the migrated schema and fails on a full scan of a table that
// grows. The statements come from two places, so neither a string built at run time nor a
// statement no flow below reaches is missed:
//  - every SQL string literal (no interpolation) in src/**/*.ts, read as source text;
//  - every statement the Worker prepared while this file drives its flows (sign-in with consent,
//    code redemption, refresh, introspection, revocation, userinfo, logout, admin listings, the
//    cron), captured on the real D1 binding's prepare().
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpired } from '../../../src/jobs/housekeeping';
import { ADMIN, Browser, authorizeInBrowser, createUser, csrfOf, fetchOp } from '../helpers';
import { basicAuth, codeFlow, introspect, postForm, refresh, refreshClient, revoke, userinfo, expectTokens } from '../tokens/helpers';

declare global {
  interface ImportMeta {
    /** Vite's import.meta.glob (vitest transforms it at build time). */
    glob(pattern: string, options: { query: string; import: string; eager: true }): Record<string, unknown>;
  }
}

const sources = import.meta.glob('../../../src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** Tables whose row count grows with use (users, sign-ins, tokens, registrations). */
const GROWING = new Set([
  'users', 'clients', 'sessions', 'consents', 'grants', 'interactions', 'refresh_token_families', 'revoked_access_tokens',
  'used_assertions', 'session_clients', 'logout_deliveries', 'initial_access_tokens',
]);

/**
 * Full scans accepted on purpose, by a fragment of the statement, with the reason. Operator-only
 * listings page through a whole table by design (admin API, not on any user's path).
 */
const ACCEPTED: { sql: RegExp; why: string }[] = [
  { sql: /^SELECT \* FROM (users|clients) ORDER BY/, why: 'admin API listing, pages through the table' },
  { sql: /^SELECT .* FROM initial_access_tokens ORDER BY/, why: 'admin API listing of initial access tokens' },
  { sql: /FROM logout_deliveries\s*ORDER BY/, why: 'admin API listing of all deliveries without a filter' },
  { sql: /^SELECT id, secret_sealed FROM clients WHERE secret_sealed IS NOT NULL$/, why: 'the daily cron re-sealing client_secret_jwt secrets, only while KEY_ENCRYPTION_KEY_PREVIOUS is set (src/jobs/reseal.ts)' },
];

const SQL_START = /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE)\s/;

function literalStatements(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, text] of Object.entries(sources)) {
    for (const m of text.matchAll(/'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g)) {
      const s = m[1] ?? m[2] ?? m[3] ?? '';
      if (!SQL_START.test(s) || s.includes('${')) continue;
      out.set(s.replace(/\\'/g, "'"), file.replace(/^(\.\.\/)+/, ''));
    }
  }
  return out;
}

/** Values for the statement's parameters: `?NNN` up to the largest N, else one per `?` outside quotes. */
function placeholders(sql: string): number[] {
  const outside = sql.replace(/'(?:[^']|'')*'/g, "''");
  const numbered = [...outside.matchAll(/\?(\d+)/g)].map((m) => Number(m[1]));
  const n = numbered.length ? Math.max(...numbered) : (outside.match(/\?/g) ?? []).length;
  return Array.from({ length: n }, () => 1);
}

const captured = new Set<string>();
let restore: () => void = () => {};

beforeAll(() => {
  const proto = Object.getPrototypeOf(env.DB) as { prepare(q: string): D1PreparedStatement };
  const original = proto.prepare;
  proto.prepare = function (this: D1Database, query: string) {
    captured.add(query);
    return original.call(this, query);
  };
  restore = () => {
    proto.prepare = original;
  };
});
afterAll(() => restore());

describe('query plans', () => {
  it('drives the flows that touch storage (statements captured on the real D1 binding)', { timeout: 60_000 }, async () => {
    // Sign-in with consent, code, refresh, introspection, userinfo, revocation.
    const client = await refreshClient({ first_party: false, post_logout_redirect_uris: ['https://rp.example.test/bye'] });
    const { user, tokens } = await codeFlow(client, { scope: 'openid profile email offline_access' });
    const next = await expectTokens(await refresh(client, tokens.refresh_token!));
    expect((await introspect(client, next.access_token)).active).toBe(true);
    expect((await userinfo(next.access_token)).status).toBe(200);
    expect((await revoke(client, next.refresh_token!)).status).toBe(200);
    const cc = await refreshClient({ grant_types: ['client_credentials'], scope: 'api:read' });
    expect((await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(cc))).status).toBe(200);
    // A second sign-in in one browser, then RP-initiated logout with a hint.
    const browser = new Browser();
    const cb = await authorizeInBrowser({ client, user, browser, scope: 'openid' });
    const code = cb.searchParams.get('code')!;
    const t2 = await expectTokens(await postForm('/token', { grant_type: 'authorization_code', code, redirect_uri: client.redirect_uris[0]! }, basicAuth(client)));
    let res = await browser.get(`/logout?${new URLSearchParams({ id_token_hint: t2.id_token!, post_logout_redirect_uri: 'https://rp.example.test/bye' })}`);
    if (res.status === 200) {
      const html = await res.text();
      if (html.includes('name="csrf"')) res = await browser.post('/logout', { csrf: csrfOf(html), id_token_hint: t2.id_token!, post_logout_redirect_uri: 'https://rp.example.test/bye', decision: 'logout' });
    }
    expect(res.status).toBeLessThan(500);
    // Admin listings and the account page's queries, then the cron's purges.
    for (const path of ['/admin/clients', '/admin/users', `/admin/logout-deliveries?client_id=${client.client_id}`]) {
      expect((await fetchOp(path, { headers: ADMIN })).status).toBeLessThan(500);
    }
    await createUser();
    const now = Math.floor(Date.now() / 1000);
    await purgeExpired(env.DB, now, { registration: 'open' });
    expect(captured.size).toBeGreaterThan(20);
    expect(user.id).toBeTruthy();
  });

  it('no statement scans a growing table without an index', async () => {
    restore();
    const statements = new Map<string, string>([...literalStatements()]);
    for (const sql of captured) if (!statements.has(sql)) statements.set(sql, 'captured at run time');
    expect(statements.size).toBeGreaterThan(50);
    const scans: string[] = [];
    const unexplained: string[] = [];
    for (const [sql, origin] of statements) {
      let plan: { detail: string }[];
      try {
        plan = (await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`).bind(...placeholders(sql)).all<{ detail: string }>()).results;
      } catch (err) {
        unexplained.push(`${origin}: ${sql.slice(0, 120)} -> ${String(err)}`);
        continue;
      }
      const oneLine = sql.replace(/\s+/g, ' ').trim();
      if (ACCEPTED.some((a) => a.sql.test(oneLine))) continue;
      for (const { detail } of plan) {
        // "SCAN t" reads every row; "SCAN t USING INDEX i" every entry of an index: both grow with t.
        const m = /^SCAN (\w+)(?: AS \w+)?/.exec(detail);
        if (m && GROWING.has(m[1]!) && !/USING (COVERING )?INDEX .*\(/.test(detail)) scans.push(`${origin}: ${detail}\n    ${oneLine.slice(0, 200)}`);
      }
    }
    expect(unexplained, unexplained.join('\n')).toEqual([]);
    expect(scans, `full scans:\n${scans.join('\n')}`).toEqual([]);
  });
});
