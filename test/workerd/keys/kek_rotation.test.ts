import { createExecutionContext, createScheduledController, env, runInDurableObject, waitOnExecutionContext } from 'cloudflare:test';
import { base64url, decodeProtectedHeader } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import worker from '../../../src/index';
import type { Bindings } from '../../../src/env';
import { keyEncryptionKey, KeyEncryptionError, openPrivateKey } from '../../../src/keys/encryption';
import { generateKey } from '../../../src/keys/generate';
import { forgetKeySet, keySet, openKeySet } from '../../../src/keys/keystore';
import { forgetPairwiseSalt, PAIRWISE_SALT_KV_KEY } from '../../../src/keys/pairwise_salt';
import { keyPolicy } from '../../../src/keys/policy_config';
import type { KeyDocument } from '../../../src/keys/types';
import { resealStored } from '../../../src/jobs/reseal';
import { parseRefreshToken } from '../../../src/tokens/refresh_token_format';
import { subjectFor } from '../../../src/tokens/subject';
import { ADMIN, createClient, createUser, fetchOp, ISSUER, obtainTokens } from '../helpers';
import { UpstreamRepository } from '../../../src/storage/upstreams';
import { openClientSecret, openClientSecretWithAny } from '../../../src/upstream/config';
import { continuationOf, LOGOUT_STATE_PURPOSE } from '../../../src/upstream/end_session';
import { sealJson } from '../../../src/crypto/sealed';
import { openUpstreamKeyWithAny, upstreamPrivateKey } from '../../../src/upstream/client_key';
import { kekSecrets } from '../../../src/crypto/derived_keys';
import { basicAuth, codeFlow, expectError, expectTokens, refreshClient } from '../tokens/helpers';
import { freshStorage, manager, publishedDocument, verifiesAgainst } from './helpers';

/** The KEK being rotated out: the binding every workerd test runs with (vitest.config.ts). */
const PREVIOUS = env.KEY_ENCRYPTION_KEY_PREVIOUS!;
const CURRENT = env.KEY_ENCRYPTION_KEY!;

async function runCron(at = Date.now()): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '17 3 * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Installs a key set sealed under the previous KEK, as a deployment had it before the rotation. */
async function keysSealedUnderPrevious(): Promise<KeyDocument> {
  const kek = await keyEncryptionKey(PREVIOUS);
  const now = Math.floor(Date.now() / 1000);
  const policy = keyPolicy(env);
  const keys = await Promise.all(policy.algorithms.map((alg) => generateKey(alg, { kek, rsaModulusLength: 2048, subject: 'op.example.test', now: now - 60, state: 'active' })));
  for (const k of keys) k.activatedAt = now - 60;
  const doc: KeyDocument = { version: 7, kekId: kek.id, keys, updatedAt: now - 60 };
  await runInDurableObject(manager(), async (_instance, state) => {
    state.storage.kv.put('doc', doc);
  });
  await env.KEYS.put('signing-keys', JSON.stringify(doc));
  forgetKeySet();
  return doc;
}

describe('KEY_ENCRYPTION_KEY rotation: signing keys', () => {
  beforeEach(freshStorage);

  it('keys sealed under the previous key still sign; the cron re-seals them under the current key only, once', async () => {
    const before = await keysSealedUnderPrevious();
    // Before the cron: the set opens (with the previous key) and signs with the old kids.
    const set = await keySet(env);
    expect([...set.signing.values()].map((k) => k.kid).sort()).toEqual(before.keys.map((k) => k.kid).sort());
    const client = await createClient();
    const tokens = await obtainTokens({ client, user: await createUser() });
    const kid = decodeProtectedHeader(tokens.id_token).kid!;
    expect(before.keys.map((k) => k.kid)).toContain(kid);
    // Without the previous key the same document does not open: the fallback is what made it work.
    await expect(openKeySet(before, CURRENT)).rejects.toBeInstanceOf(KeyEncryptionError);

    await runCron();
    const after = await publishedDocument();
    const current = await keyEncryptionKey(CURRENT);
    const previous = await keyEncryptionKey(PREVIOUS);
    expect(after.kekId).toBe(current.id);
    expect(after.version).toBeGreaterThan(before.version);
    // Same keys (same kids, same public halves), now sealed under the current key only.
    for (const old of before.keys) {
      const k = after.keys.find((x) => x.kid === old.kid)!;
      expect(k.publicJwk).toEqual(old.publicJwk);
      expect((await openPrivateKey(current, k.kid, k.privateKey)).d).toBeTruthy();
      await expect(openPrivateKey(previous, k.kid, k.privateKey)).rejects.toBeInstanceOf(KeyEncryptionError);
    }
    for (const k of after.keys) await expect(openPrivateKey(previous, k.kid, k.privateKey)).rejects.toBeInstanceOf(KeyEncryptionError);
    // The published set opens with the current key alone, and still verifies what was signed before.
    const reopened = await openKeySet(after, CURRENT);
    expect(reopened.signing.get('RS256')!.kid).toBe(before.keys.find((k) => k.alg === 'RS256')!.kid);
    expect(await verifiesAgainst(reopened.jwks.body, tokens.id_token, Math.floor(Date.now() / 1000))).toBe(true);
    expect((await manager().document())!.version).toBe(after.version);
    const audited = await env.DB.prepare("SELECT actor, details FROM audit_events WHERE type = 'kek.resealed'").all<{ actor: string; details: string }>();
    expect(audited.results).toHaveLength(1);
    expect(audited.results[0]!.actor).toBe('system');
    expect(JSON.parse(audited.results[0]!.details)).toMatchObject({ signing_keys: true });

    // Idempotent: a second run re-seals nothing and publishes nothing.
    await runCron();
    expect((await publishedDocument()).version).toBe(after.version);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE type = 'kek.resealed'").first<{ n: number }>())!.n).toBe(1);
    forgetKeySet();
  });
});

describe('KEY_ENCRYPTION_KEY rotation: what is derived from it', () => {
  const NEW = base64url.encode(crypto.getRandomValues(new Uint8Array(32)));
  /** The deployment after `wrangler secret put`: a new current key, the old one as previous. */
  const rotated = { ...env, KEY_ENCRYPTION_KEY: NEW, KEY_ENCRYPTION_KEY_PREVIOUS: CURRENT } as Bindings;
  /** After the window: the previous key removed too early. */
  const withoutPrevious = { ...env, KEY_ENCRYPTION_KEY: NEW, KEY_ENCRYPTION_KEY_PREVIOUS: undefined } as Bindings;

  async function refreshAs(e: Bindings, client: Awaited<ReturnType<typeof refreshClient>>, refreshToken: string): Promise<Response> {
    const ctx = createExecutionContext();
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basicAuth(client).authorization!, 'CF-Connecting-IP': '10.250.1.1' };
    const res = await worker.fetch(new Request(`${ISSUER}/token`, { method: 'POST', headers, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }) }), e, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  it('a refresh token issued before the rotation still works after it (and not once the previous key is gone)', async () => {
    const client = await refreshClient();
    const { tokens } = await codeFlow(client);
    const old = tokens.refresh_token!;
    forgetKeySet();
    // Removing the old key at once would sign everybody out: the token no longer verifies.
    await expectError(await refreshAs(withoutPrevious, client, old), 'invalid_grant');
    forgetKeySet();
    const next = await expectTokens(await refreshAs(rotated, client, old));
    expect(next.access_token).toBeTruthy();
    // Its successor is minted under the new key only.
    expect(await parseRefreshToken(NEW, next.refresh_token!)).not.toBeNull();
    expect(await parseRefreshToken(CURRENT, next.refresh_token!)).toBeNull();
    forgetKeySet();
  });

  it('a logout on its way through an upstream when the key changes still finishes (its state opens under the previous key)', async () => {
    const then = { frames: [], lang: 'en', returnTo: 'https://rp.example.test/bye', exp: Math.floor(Date.now() / 1000) + 600 };
    const state = await sealJson(CURRENT, LOGOUT_STATE_PURPOSE, 'corp', then);
    expect(await continuationOf(rotated, 'corp', state)).toMatchObject({ returnTo: 'https://rp.example.test/bye' });
    expect(await continuationOf(withoutPrevious, 'corp', state)).toBeNull();
    // Sealed for another upstream: never.
    expect(await continuationOf(rotated, 'other', state)).toBeNull();
  });

  it('pairwise subjects do not change, and client_secret_jwt and upstream client secrets are re-sealed by the cron', async () => {
    const made = await fetchOp('/admin/upstreams', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ name: 'Rotated IdP', slug: 'rotated-idp', issuer: 'https://idp.example.test', client_id: 'op', client_secret: 'upstream-secret-sealed-before' }),
    });
    expect(made.status).toBe(201);
    const upstreamBefore = (await new UpstreamRepository(env.DB).find('rotated-idp'))!;
    // Before the cron: still opens during the rotation (under the previous key), and not without it.
    expect(await openClientSecret(rotated, upstreamBefore)).toBe('upstream-secret-sealed-before');
    await expect(openClientSecret(withoutPrevious, upstreamBefore)).rejects.toThrow(/cannot be opened/);
    const policy = { subjectType: 'pairwise' as const, sectorIdentifier: 'rp.example.test' };
    forgetPairwiseSalt();
    const sub = await subjectFor(env, policy, 'user-1');
    const jwtClient = await createClient({ token_endpoint_auth_method: 'client_secret_jwt' });
    forgetPairwiseSalt();
    expect(await subjectFor(rotated, policy, 'user-1')).toBe(sub);

    const result = await resealStored(rotated);
    expect(result.pairwiseSalt).toBe(true);
    expect(result.clientSecrets).toBeGreaterThanOrEqual(1);
    expect(result.upstreamSecrets).toBe(1);
    const upstreamAfter = (await new UpstreamRepository(env.DB).find('rotated-idp'))!;
    expect(await openClientSecretWithAny({ current: NEW }, upstreamAfter)).toEqual({ secret: 'upstream-secret-sealed-before', underPrevious: false });
    expect(await openClientSecretWithAny({ current: CURRENT }, upstreamAfter)).toBeNull();
    const salt = (await env.KEYS.get<{ kekId: string }>(PAIRWISE_SALT_KV_KEY, 'json'))!;
    expect(salt.kekId).toBe((await keyEncryptionKey(NEW)).id);
    const row = (await env.DB.prepare('SELECT secret_sealed FROM clients WHERE id = ?').bind(jwtClient.client_id).first<{ secret_sealed: string }>())!;
    const sealed = JSON.parse(row.secret_sealed);
    expect((await openPrivateKey(await keyEncryptionKey(NEW), `client-secret:${jwtClient.client_id}`, sealed)).k).toBe(jwtClient.client_secret);
    await expect(openPrivateKey(await keyEncryptionKey(CURRENT), `client-secret:${jwtClient.client_id}`, sealed)).rejects.toBeInstanceOf(KeyEncryptionError);
    // Idempotent.
    expect(await resealStored(rotated)).toEqual({ clientSecrets: 0, upstreamSecrets: 0, upstreamKeys: 0, pairwiseSalt: false });
    // After the window, with the previous key removed, the salt (now under the new key) gives the same subjects.
    forgetPairwiseSalt();
    expect(await subjectFor(withoutPrevious, policy, 'user-1')).toBe(sub);
    forgetPairwiseSalt();
  });

  it("an upstream's private_key_jwt key opens under the previous key during the rotation and is re-sealed by the cron, same kid", async () => {
    const made = await fetchOp('/admin/upstreams', {
      method: 'POST',
      headers: ADMIN,
      body: JSON.stringify({ name: 'Keyed IdP', slug: 'rotated-key-idp', issuer: 'https://idp.example.test', client_id: 'op', auth_method: 'private_key_jwt' }),
    });
    expect(made.status).toBe(201);
    const before = (await new UpstreamRepository(env.DB).find('rotated-key-idp'))!;
    // During the rotation (sealed under what is now the previous key): still signs; without the previous key it does not open.
    expect((await upstreamPrivateKey(kekSecrets(rotated), before)).kid).toBe(before.signingKey!.kid);
    await expect(upstreamPrivateKey(kekSecrets(withoutPrevious), before)).rejects.toThrow(/cannot be opened/);

    const result = await resealStored(rotated);
    expect(result.upstreamKeys).toBe(1);
    // A private_key_jwt upstream holds no secret: nothing counted (or logged) for it there.
    expect(result.upstreamSecrets).toBe(0);
    const after = (await new UpstreamRepository(env.DB).find('rotated-key-idp'))!;
    expect(after.signingKey!.kid).toBe(before.signingKey!.kid);
    expect(after.signingKey!.publicJwk).toEqual(before.signingKey!.publicJwk);
    expect(after.signingKey!.privateKey).not.toEqual(before.signingKey!.privateKey);
    expect((await openUpstreamKeyWithAny({ current: NEW }, after.signingKey!))?.underPrevious).toBe(false);
    expect(await openUpstreamKeyWithAny({ current: CURRENT }, after.signingKey!)).toBeNull();
    expect((await upstreamPrivateKey(kekSecrets(withoutPrevious), after)).kid).toBe(before.signingKey!.kid);
    // Idempotent.
    expect((await resealStored(rotated)).upstreamKeys).toBe(0);
  });
});
