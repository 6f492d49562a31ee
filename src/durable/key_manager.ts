import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { settings } from '../settings';
import { kekById, keyEncryptionKeys, KeyEncryptionError, openPrivateKey, sealPrivateKey, type KeyEncryptionKeys } from '../keys/encryption';
import { generateKey } from '../keys/generate';
import { keyPolicy } from '../keys/policy_config';
import { forceRotation, planRotation, revokeKey, type KeyFactory, type RotationEvent, type RotationResult } from '../keys/rotation_policy';
import { KEYSET_KV_KEY, type KeyAlg, type KeyDocument } from '../keys/types';

const DOC = 'doc';
/** When this object last wrote the document to KV (ms). */
const PUBLISHED_AT = 'published_at_ms';
/** KV's propagation delay: a publication younger than this is not repeated by ensure(). */
export const REPUBLISH_AFTER_MS = 60_000;

export interface KeyChange {
  document: KeyDocument;
  events: RotationEvent[];
  /** The stored keys were sealed under KEY_ENCRYPTION_KEY_PREVIOUS and are now sealed under the current key. */
  resealed?: boolean;
}

/**
 * The single writer of the signing key set (one instance, named "signing-keys"). KV has no
 * transactions, so every change runs here under blockConcurrencyWhile: concurrent cron runs,
 * admin calls and first requests are serialized, never produce two active keys per algorithm
 * and never lose a key. The document is kept in this object's storage (the writers' source of
 * truth) and then published to KV, from which every isolate reads. A key is published only in
 * a document that also holds its sealed private half.
 */
export class KeyManager extends DurableObject<Bindings> {
  /** The current document, creating the first keys if there are none (a cold start). */
  async ensure(now: number): Promise<KeyDocument> {
    const { document } = await this.change(now, async (doc, create) =>
      doc && doc.keys.some((k) => k.state === 'active') ? null : planRotation(doc, now, keyPolicy(this.env), create),
    );
    // Callers come here because their KV read found no document. Usually that is KV's propagation
    // delay (up to 60 s) after a publication, and every cold isolate of a first deploy comes here
    // at once: KV takes at most one write per second per key, so the document is published again
    // only when the last publication is older than the propagation delay (the write may have been
    // lost), and a failed re-publication does not fail the caller, who has the document.
    if (document && Date.now() - this.publishedAtMs() >= REPUBLISH_AFTER_MS) {
      await this.publish(document).catch((err) => console.warn(`key manager: re-publishing the key set to KV failed: ${String(err)}`));
    }
    return document;
  }

  private publishedAtMs(): number {
    return this.ctx.storage.kv.get<number>(PUBLISHED_AT) ?? 0;
  }

  /** The one place that writes the key set to KV. */
  private async publish(document: KeyDocument): Promise<void> {
    this.ctx.storage.kv.put(PUBLISHED_AT, Date.now());
    await this.env.KEYS.put(KEYSET_KV_KEY, JSON.stringify(document));
  }

  /** The scheduled policy (see planRotation). */
  rotate(now: number): Promise<KeyChange> {
    return this.change(now, (doc, create) => planRotation(doc, now, keyPolicy(this.env), create));
  }

  /** Emergency: promote next now, for one algorithm or all of them. */
  forceRotate(now: number, alg?: KeyAlg): Promise<KeyChange> {
    return this.change(now, async (doc, create) => {
      const policy = keyPolicy(this.env);
      let keys = doc?.keys ?? [];
      const events: RotationEvent[] = [];
      for (const a of alg ? [alg] : policy.algorithms) {
        const r = await forceRotation(keys, a, now, create);
        keys = r.keys;
        events.push(...r.events);
      }
      return { keys, events };
    });
  }

  /** Emergency: unpublish a key and stop signing with it. Returns null for an unknown kid. */
  async revoke(now: number, kid: string): Promise<KeyChange | null> {
    let found = true;
    const change = await this.change(now, async (doc, create) => {
      const r = await revokeKey(doc?.keys ?? [], kid, now, create);
      if (!r) found = false;
      return r;
    });
    return found ? change : null;
  }

  async document(): Promise<KeyDocument | null> {
    return this.ctx.storage.kv.get<KeyDocument>(DOC) ?? null;
  }

  private change(now: number, apply: (doc: KeyDocument | null, create: KeyFactory) => Promise<RotationResult | null>): Promise<KeyChange> {
    return this.ctx.blockConcurrencyWhile(async () => {
      const keks = await keyEncryptionKeys(this.env.KEY_ENCRYPTION_KEY, settings(this.env).keyEncryptionKeyPrevious);
      const kek = keks.current;
      const stored = await this.current(keks);
      // Any change (the daily cron's rotate() included) first re-seals keys still sealed under
      // KEY_ENCRYPTION_KEY_PREVIOUS: same kids, same key material, a new document under the current key.
      const resealed = stored !== null && stored.kekId !== kek.id;
      const doc = resealed ? await this.reseal(stored, keks) : stored;
      const policy = keyPolicy(this.env);
      const subject = new URL(settings(this.env).issuer ?? 'http://localhost').host;
      const create: KeyFactory = (alg, state) => generateKey(alg, { kek, rsaModulusLength: policy.rsaModulusLength, subject, now, state });
      const result = await apply(doc, create);
      const changed = result !== null && result.events.some((e) => e.type !== 'postponed');
      if ((!result || !changed) && !resealed) return { document: doc!, events: result?.events ?? [] };
      const keys = result && changed ? result.keys : doc!.keys;
      const next: KeyDocument = { version: (stored?.version ?? 0) + 1, kekId: kek.id, keys, updatedAt: now };
      // Our own storage first: if the KV write fails, the next call publishes the same document.
      this.ctx.storage.kv.put(DOC, next);
      await this.publish(next);
      return { document: next, events: result?.events ?? [], ...(resealed ? { resealed } : {}) };
    });
  }

  /** The stored document, adopting KV's copy if this object has none (e.g. a restored namespace). */
  /** Every private key of `doc` opened with the previous key and sealed again under the current one. */
  private async reseal(doc: KeyDocument, keks: KeyEncryptionKeys): Promise<KeyDocument> {
    const from = kekById(keks, doc.kekId)!;
    const keys = await Promise.all(doc.keys.map(async (k) => ({ ...k, privateKey: await sealPrivateKey(keks.current, k.kid, await openPrivateKey(from, k.kid, k.privateKey)) })));
    return { ...doc, kekId: keks.current.id, keys };
  }

  private async current(keks: KeyEncryptionKeys): Promise<KeyDocument | null> {
    let doc = this.ctx.storage.kv.get<KeyDocument>(DOC) ?? null;
    if (!doc) {
      const published = await this.env.KEYS.get<KeyDocument>(KEYSET_KV_KEY, 'json');
      doc = published && !Array.isArray(published) && Array.isArray(published.keys) ? published : null;
    }
    if (doc && doc.keys.length > 0 && !kekById(keks, doc.kekId)) {
      // Never replace keys we cannot open: that would silently invalidate every issued token.
      throw new KeyEncryptionError('the signing keys were sealed with a different KEY_ENCRYPTION_KEY; restore the original secret (or set it as KEY_ENCRYPTION_KEY_PREVIOUS)');
    }
    return doc;
  }
}
