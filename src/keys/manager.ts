import type { KeyManager } from '../durable/key_manager';
import type { Bindings } from '../env';

/** The one key manager Durable Object (the single writer of the signing key set), typed. */
export function keyManager(env: Pick<Bindings, 'KEY_MANAGER'>): DurableObjectStub<KeyManager> {
  const ns = env.KEY_MANAGER as DurableObjectNamespace<KeyManager>;
  return ns.get(ns.idFromName('signing-keys'));
}
