// Issue 10: the key manager does not write KV on every call. A first deploy sends every cold
// isolate (each finding no key set in KV, which takes up to 60 s to propagate) to the key manager
// at once; KV accepts at most one write per second per key, so that burst must cost one write.
import { runInDurableObject } from 'cloudflare:test';
import { beforeEach, describe, expect, it } from 'vitest';
import { wrapBindings } from '../../../src/storage/binding_proxy';
import type { KeyManager } from '../../../src/durable/key_manager';
import type { Bindings } from '../../../src/env';
import { freshStorage, manager, publishedDocument } from './helpers';

/** Counts the KV writes the key manager makes, through the real KV binding. */
async function countKvWrites(): Promise<{ writes: () => number }> {
  let writes = 0;
  await runInDurableObject(manager(), (instance: KeyManager) => {
    const self = instance as unknown as { env: Bindings };
    self.env = wrapBindings(self.env, (trip, call) => {
      if (trip.kind === 'kv' && trip.write) writes++;
      return call();
    });
  });
  return { writes: () => writes };
}

describe('key manager KV writes', () => {
  beforeEach(freshStorage);

  it('50 concurrent cold requests on a first deploy: one key set, at most one KV write', { timeout: 60_000 }, async () => {
    const counter = await countKvWrites();
    const now = Math.floor(Date.now() / 1000);
    // What each cold isolate's keystore does when its KV read finds nothing (src/keys/keystore.ts).
    const docs = await Promise.all(Array.from({ length: 50 }, () => manager().ensure(now)));
    expect(new Set(docs.map((d) => d.version)).size).toBe(1);
    expect(counter.writes()).toBeLessThanOrEqual(1);
    expect((await publishedDocument()).version).toBe(docs[0]!.version);
    // A second wave within KV's propagation delay writes nothing more.
    await Promise.all(Array.from({ length: 50 }, () => manager().ensure(now)));
    expect(counter.writes()).toBeLessThanOrEqual(1);
  });

  it('a publication older than the propagation delay is repeated once, in case it was lost', async () => {
    const counter = await countKvWrites();
    const now = Math.floor(Date.now() / 1000);
    await manager().ensure(now);
    const before = counter.writes();
    await runInDurableObject(manager(), (_instance, state) => {
      state.storage.kv.put('published_at_ms', Date.now() - 120_000);
    });
    await Promise.all(Array.from({ length: 20 }, () => manager().ensure(now)));
    expect(counter.writes()).toBe(before + 1);
  });
});
