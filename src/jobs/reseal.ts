import type { Bindings } from '../env';
import { keyEncryptionKeys, openPrivateKeyWithAny, sealPrivateKey, type KeyEncryptionKeys } from '../keys/encryption';
import { resealPairwiseSalt } from '../keys/pairwise_salt';
import { settings } from '../settings';
import { ClientRepository } from '../storage/clients';
import { UpstreamRepository } from '../storage/upstreams';
import { openUpstreamKeyWithAny, resealUpstreamKey } from '../upstream/client_key';
import { openClientSecretWithAny, sealClientSecret } from '../upstream/config';
import { upstreamsChanged } from '../upstream/registry';

/**
 * The cron's half of a KEY_ENCRYPTION_KEY rotation (README "Rotating KEY_ENCRYPTION_KEY"): what
 * is stored sealed under KEY_ENCRYPTION_KEY_PREVIOUS is sealed again under the current key. The
 * signing keys are re-sealed by their single writer, the KeyManager Durable Object (any change
 * there, the cron's rotate() included, re-seals first); this covers the rest: the client_secret_jwt
 * secrets and the upstream providers' client secrets and private_key_jwt keys in D1, and the pairwise subject salt in KV. Idempotent: a value already under the current
 * key is left alone, so a second run changes nothing.
 */
export async function resealStored(env: Bindings): Promise<{ clientSecrets: number; upstreamSecrets: number; upstreamKeys: number; pairwiseSalt: boolean }> {
  const previous = settings(env).keyEncryptionKeyPrevious;
  if (!previous) return { clientSecrets: 0, upstreamSecrets: 0, upstreamKeys: 0, pairwiseSalt: false };
  const keks = await keyEncryptionKeys(env.KEY_ENCRYPTION_KEY, previous);
  const [clientSecrets, upstreamSecrets, upstreamKeys, pairwiseSalt] = await Promise.all([
    resealClientSecrets(env, keks),
    resealUpstreamSecrets(env, previous),
    resealUpstreamKeys(env, previous),
    resealPairwiseSalt(env),
  ]);
  return { clientSecrets, upstreamSecrets, upstreamKeys, pairwiseSalt };
}

/** The private_key_jwt keys the OP holds for upstreams (issue 11): re-sealed when they open only under the previous key. */
async function resealUpstreamKeys(env: Bindings, previous: string): Promise<number> {
  const repo = new UpstreamRepository(env.DB);
  const updates = [];
  for (const u of await repo.list()) {
    if (!u.signingKey) continue;
    const opened = await openUpstreamKeyWithAny({ current: env.KEY_ENCRYPTION_KEY, previous }, u.signingKey);
    if (!opened) {
      console.log(JSON.stringify({ level: 'error', message: 'upstream private_key_jwt key sealed under an unknown KEY_ENCRYPTION_KEY', upstream: u.slug }));
      continue;
    }
    if (opened.underPrevious) updates.push({ slug: u.slug, raw: u.signingKey, sealed: await resealUpstreamKey(env, u.signingKey, opened.jwk) });
  }
  const changed = await repo.replaceSealedSigningKeys(updates);
  if (changed > 0) upstreamsChanged();
  return changed;
}

/** The upstream providers' client secrets (issue 11), sealed with sealJson: re-sealed when they open only under the previous key. */
async function resealUpstreamSecrets(env: Bindings, previous: string): Promise<number> {
  const repo = new UpstreamRepository(env.DB);
  const updates = [];
  for (const u of await repo.list()) {
    // private_key_jwt upstreams hold no secret (their key is re-sealed by resealUpstreamKeys).
    if (u.clientSecretSealed === '') continue;
    const opened = await openClientSecretWithAny({ current: env.KEY_ENCRYPTION_KEY, previous }, u);
    if (!opened) {
      console.log(JSON.stringify({ level: 'error', message: 'upstream client secret sealed under an unknown KEY_ENCRYPTION_KEY', upstream: u.slug }));
      continue;
    }
    if (opened.underPrevious) updates.push({ slug: u.slug, raw: u.clientSecretSealed, sealed: await sealClientSecret(env, u.slug, opened.secret) });
  }
  const changed = await repo.replaceSealedSecrets(updates);
  if (changed > 0) upstreamsChanged();
  return changed;
}

async function resealClientSecrets(env: Bindings, keks: KeyEncryptionKeys): Promise<number> {
  const clients = new ClientRepository(env.DB);
  const updates = [];
  for (const s of await clients.sealedSecrets()) {
    const kid = `client-secret:${s.id}`;
    let opened;
    try {
      opened = await openPrivateKeyWithAny(keks, kid, s.sealed);
    } catch {
      // Sealed under neither key: nothing can open it; reported, never overwritten.
      console.log(JSON.stringify({ level: 'error', message: 'client secret sealed under an unknown KEY_ENCRYPTION_KEY', client_id: s.id }));
      continue;
    }
    if (opened.underPrevious) updates.push({ id: s.id, raw: s.raw, sealed: await sealPrivateKey(keks.current, kid, opened.jwk) });
  }
  return clients.replaceSealedSecrets(updates);
}
