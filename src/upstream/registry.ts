import type { Bindings } from '../env';
import { isolateCache } from '../isolate_cache';
import { UpstreamRepository, type Upstream } from '../storage/upstreams';

/**
 * The configured upstreams, kept 30 s in this isolate's memory: the sign-in page lists them and
 * every /authorize with idp_hint looks one up, without a D1 trip each time. An admin change in this
 * isolate drops the copy at once; other isolates see it within 30 s.
 */
const cache = isolateCache<Map<string, Upstream>>(30);

export async function upstreams(env: Bindings): Promise<Map<string, Upstream>> {
  return cache.get(async () => new Map((await new UpstreamRepository(env.DB).list()).map((u) => [u.slug, u])));
}

export const upstreamsChanged = (): void => cache.forget();
