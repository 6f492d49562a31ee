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
 * secrets and the upstream providers' client secrets and private_key_jwt keys in D1, and the
 * pairwise subject salt in KV. Idempotent: a value already under the current key is left alone, so
 * a second run changes nothing.
 */
export async function resealStored(env: Bindings): Promise<{ clientSecrets: number; upstreamSecrets: number; upstreamKeys: number; pairwiseSalt: boolean }> {
  const previous = settings(env).keyEncryptionKeyPrevious;
  if (!previous) return { clientSecrets: 0, upstreamSecrets: 0, upstreamKeys: 0, pairwiseSalt: false };
  const keks = await keyEncryptionKeys(env.KEY_ENCRYPTION_KEY, previous);
  const [clientSecrets, upstreams, pairwiseSalt] = await Promise.all([resealClientSecrets(env, keks), resealUpstreams(env, previous), resealPairwiseSalt(env)]);
  return { clientSecrets, upstreamSecrets: upstreams.secrets, upstreamKeys: upstreams.keys, pairwiseSalt };
}

/**
 * The upstream providers' sealed credentials (issue 11), in one pass over the table: the client
 * secret (sealJson) or the private_key_jwt key the OP holds, each re-sealed when it opens only
 * under the previous key. A value sealed under neither key is reported, never overwritten.
 */
async function resealUpstreams(env: Bindings, previous: string): Promise<{ secrets: number; keys: number }> {
  const repo = new UpstreamRepository(env.DB);
  const kek = { current: env.KEY_ENCRYPTION_KEY, previous };
  const secrets = [];
  const keys = [];
  for (const u of await repo.list()) {
    if (u.signingKey) {
      const opened = await openUpstreamKeyWithAny(kek, u.signingKey);
      if (!opened) unopenable(u.slug, 'private_key_jwt key');
      else if (opened.underPrevious) keys.push({ slug: u.slug, raw: u.signingKey, sealed: await resealUpstreamKey(env, u.signingKey, opened.jwk) });
    } else if (u.clientSecretSealed !== '') {
      const opened = await openClientSecretWithAny(kek, u);
      if (!opened) unopenable(u.slug, 'client secret');
      else if (opened.underPrevious) secrets.push({ slug: u.slug, raw: u.clientSecretSealed, sealed: await sealClientSecret(env, u.slug, opened.secret) });
    }
  }
  const [secretCount, keyCount] = await Promise.all([repo.replaceSealedSecrets(secrets), repo.replaceSealedSigningKeys(keys)]);
  if (secretCount + keyCount > 0) upstreamsChanged();
  return { secrets: secretCount, keys: keyCount };
}

const unopenable = (slug: string, what: string) =>
  console.log(JSON.stringify({ level: 'error', message: `upstream ${what} sealed under an unknown KEY_ENCRYPTION_KEY`, upstream: slug }));

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
