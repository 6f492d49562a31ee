import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { DeliveryJob } from '../../../src/durable/logout_delivery';
import { logoutDeliveries } from '../../../src/logout/end_session';
import { LogoutDeliveryRepository } from '../../../src/storage/logout_deliveries';
import { ISSUER, createClient, env } from '../helpers';

async function row(id: string) {
  return env.DB.prepare('SELECT status, attempts, last_http_status, next_attempt_at FROM logout_deliveries WHERE id = ?').bind(id).first<Record<string, unknown>>();
}

describe('LogoutDelivery Durable Object', () => {
  it('a final outcome that was not yet recorded is recorded on the next alarm, without delivering again', async () => {
    const client = await createClient();
    const id = logoutDeliveries(env).newUniqueId();
    const stub = logoutDeliveries(env).get(id);
    const now = Math.floor(Date.now() / 1000);
    const job: DeliveryJob = {
      id: id.toString(), issuer: ISSUER, clientId: client.client_id, uri: 'http://127.0.0.1:1/never', sub: 'u', sid: 's', alg: 'RS256',
      createdAt: now, retryBase: 1, attempts: 2, final: { status: 'delivered', httpStatus: 200, error: null, at: now },
    };
    await new LogoutDeliveryRepository(env.DB).insert({ id: job.id, clientId: job.clientId, sid: 's', sub: 'u', uri: job.uri, createdAt: now });
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.kv.put('job', job);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    // Had it tried the (unreachable) URI again, the delivery would be pending a retry.
    expect(await row(job.id)).toMatchObject({ status: 'delivered', attempts: 2, last_http_status: 200, next_attempt_at: null });
    expect(await runInDurableObject(stub, (_instance, state) => state.storage.kv.get('job'))).toBeUndefined();
  });

  it('an unreachable relying party leaves the delivery pending with the next attempt scheduled', async () => {
    const client = await createClient();
    const id = logoutDeliveries(env).newUniqueId();
    const stub = logoutDeliveries(env).get(id);
    const now = Math.floor(Date.now() / 1000);
    // A development OP (http on loopback) may post to a loopback RP; nothing listens on port 1.
    await stub.start({ id: id.toString(), issuer: 'http://127.0.0.1:8787', clientId: client.client_id, uri: 'http://127.0.0.1:1/down', sub: 'u', sid: 's', alg: 'RS256', createdAt: now, retryBase: 60, attempts: 0 });
    // (The alarm set by start may already have run on its own; this runs it, or the next one, now.)
    await runDurableObjectAlarm(stub);
    const r = await row(id.toString());
    expect(r).toMatchObject({ status: 'pending' });
    expect(r!.attempts as number).toBeGreaterThanOrEqual(1);
    expect(r!.next_attempt_at as number).toBeGreaterThanOrEqual(now + 59);
  });

  // Issue 9 (SSRF): a back-channel logout URI on a private or loopback address is never posted to, and
  // since that will not change, the delivery fails at once instead of being retried for minutes.
  it.each(['https://10.0.0.7/backchannel', 'https://[fd00::1]/backchannel', 'http://127.0.0.1:1/backchannel', 'https://rp.internal/backchannel'])(
    'a delivery to %s is refused, recorded as failed with the reason, and not retried',
    async (uri) => {
      const client = await createClient();
      const id = logoutDeliveries(env).newUniqueId();
      const stub = logoutDeliveries(env).get(id);
      const now = Math.floor(Date.now() / 1000);
      await stub.start({ id: id.toString(), issuer: ISSUER, clientId: client.client_id, uri, sub: 'u', sid: 's', alg: 'RS256', createdAt: now, retryBase: 60, attempts: 0 });
      await runDurableObjectAlarm(stub);
      const r = await env.DB.prepare('SELECT status, attempts, last_http_status, last_error, next_attempt_at FROM logout_deliveries WHERE id = ?').bind(id.toString()).first<Record<string, unknown>>();
      expect(r).toMatchObject({ status: 'failed', attempts: 1, last_http_status: null, next_attempt_at: null });
      expect(r!.last_error).toMatch(/must be a public address/);
      expect(await runInDurableObject(stub, (_instance, state) => state.storage.kv.get('job'))).toBeUndefined();
    },
  );
});
