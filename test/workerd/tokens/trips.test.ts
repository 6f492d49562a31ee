// Issue 10: storage round trips of the token endpoints, counted (not timed) by wrapping the real
// bindings (src/storage/binding_proxy.ts), and the staleness bound of replica reads
// (src/storage/replica.ts) with an injected clock.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import type { Bindings } from '../../../src/env';
import { wrapBindings, type Trip } from '../../../src/storage/binding_proxy';
import { REPLICA_STALENESS_SECONDS, forgetBookmark, readFromReplica } from '../../../src/storage/replica';
import { basic } from '../helpers';
import { basicAuth, codeFlow, createClient, env, expectTokens, ISSUER, postForm, refreshClient, uniqueIp, userinfo } from './helpers';

/** The real bindings, recording every trip. */
function counted() {
  const trips: Trip[] = [];
  const hook = <T,>(trip: Trip, call: () => Promise<T>): Promise<T> => {
    trips.push(trip);
    return call();
  };
  return { env: wrapBindings(env as unknown as Bindings, hook), trips };
}

async function send(bindings: Bindings, path: string, init: RequestInit): Promise<Response> {
  const ctx = createExecutionContext();
  const headers = new Headers(init.headers);
  headers.set('CF-Connecting-IP', uniqueIp());
  const res = await worker.fetch!(new Request(`${ISSUER}${path}`, { ...init, headers }) as never, bindings, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const form = (client: { client_id: string; client_secret?: string }, body: Record<string, string>): RequestInit => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic(client as never) },
  body: new URLSearchParams(body).toString(),
});

const primary = (trips: Trip[]) => trips.filter((t) => t.kind === 'd1' || t.kind === 'd1-batch');

describe('round trips of the token endpoints (warm isolate)', () => {
  it('client_credentials: no storage trip at all once the client is cached', async () => {
    const client = await createClient({ grant_types: ['client_credentials'], scope: 'api:read', redirect_uris: [] });
    await expectTokens(await postForm('/token', { grant_type: 'client_credentials' }, basicAuth(client)));
    const c = counted();
    await expectTokens(await send(c.env, '/token', form(client, { grant_type: 'client_credentials' })));
    expect(c.trips.filter((t) => t.kind !== 'd1' || !/^SELECT 1$/.test(t.label)).map((t) => t.label)).toEqual([]);
  });

  it('refresh_token: exactly one D1 call, the batch that reads and rotates', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const c = counted();
    await expectTokens(await send(c.env, '/token', form(client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })));
    const d1 = c.trips.filter((t) => t.kind.startsWith('d1') && t.label !== 'SELECT 1');
    expect(d1.map((t) => t.kind)).toEqual(['d1-batch']);
    expect(c.trips.filter((t) => t.kind === 'do' || t.kind === 'kv')).toEqual([]);
  });

  it('revocation: one write; userinfo: replica only, then the revocation is honoured at once in this isolate', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid' });
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    const u = counted();
    expect((await send(u.env, '/userinfo', { headers: { Authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    expect(primary(u.trips.filter((t) => t.label !== 'SELECT 1'))).toEqual([]);
    expect(u.trips.filter((t) => t.kind === 'd1-replica')).toHaveLength(1);

    const r = counted();
    expect((await send(r.env, '/revoke', form(client, { token: tokens.access_token }))).status).toBe(200);
    // The audit event (access_token.revoked, issue 13) is written after the response (waitUntil), not counted here.
    const rd1 = r.trips.filter((t) => t.label !== 'SELECT 1' && !t.label.includes('audit_events'));
    expect(rd1).toHaveLength(1);
    expect(rd1[0]!.write).toBe(true);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
  });

  it('introspection: no trip to the primary for an active token', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid' });
    await postForm('/introspect', { token: tokens.access_token }, basicAuth(client));
    const c = counted();
    const res = await send(c.env, '/introspect', form(client, { token: tokens.access_token }));
    expect(((await res.json()) as { active: boolean }).active).toBe(true);
    expect(primary(c.trips.filter((t) => t.label !== 'SELECT 1'))).toEqual([]);
    expect(c.trips.filter((t) => t.kind === 'd1-replica')).toHaveLength(1);
  });
});

describe('replica reads: bounded staleness', () => {
  it(`a replica read is anchored at a primary bookmark at most ${REPLICA_STALENESS_SECONDS} s old, else it starts on the primary`, async () => {
    forgetBookmark();
    const c = counted();
    const read = (nowMs: number) => readFromReplica(c.env.DB, (s) => s.prepare('SELECT 2 AS x').first(), nowMs);
    const t0 = Date.now() + 7_200_000; // a clock of our own, ahead of the bookmark other tests' requests learn
    await read(t0); // no bookmark known: the primary
    await read(t0 + REPLICA_STALENESS_SECONDS * 1000 - 1); // anchored at the bookmark learnt at t0: a replica
    await read(t0 + REPLICA_STALENESS_SECONDS * 1000); // too old: the primary again
    expect(c.trips.map((t) => t.kind)).toEqual(['d1', 'd1-replica', 'd1']);
  });

  it('a grant written after the bookmark (a token issued a moment ago) is still found: a miss is asked of the primary', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client, { scope: 'openid' });
    // Whatever the replica holds, a fresh token works at once.
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    const revoked = await codeFlow(client, { scope: 'openid' });
    await env.DB.prepare('UPDATE grants SET revoked_at = 1 WHERE id = ?')
      .bind(JSON.parse(atob(revoked.tokens.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).gid)
      .run();
    // A revoked grant: negative on every read, answered 401 (after the primary confirmed it).
    const c = counted();
    expect((await send(c.env, '/userinfo', { headers: { Authorization: `Bearer ${revoked.tokens.access_token}` } })).status).toBe(401);
    expect(primary(c.trips.filter((t) => t.label !== 'SELECT 1')).length).toBe(1);
  });
});
