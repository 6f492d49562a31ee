import type { Bindings } from '../env';
import { settings } from '../settings';
import { discoveryEdgeKey, jwksEdgeKey, purgeEdge } from '../http/cached_document';
import { keyManager } from '../keys/manager';
import { purgeExpired } from './housekeeping';
import { resealStored } from './reseal';
import { forgetKeySet } from '../keys/keystore';
import { auditNow } from '../observability/audit';
import { cronLog } from '../observability/log';

/** The daily cron (wrangler.toml [triggers]): the key rotation policy, then housekeeping. */
export async function runScheduled(env: Bindings, now = Math.floor(Date.now() / 1000)): Promise<void> {
  const started = Date.now();
  const fields: Record<string, unknown> = { cron: 'daily' };
  try {
    // rotate() also re-seals signing keys still sealed under KEY_ENCRYPTION_KEY_PREVIOUS.
    const { events, resealed } = await keyManager(env).rotate(now);
    const changes = events.filter((e) => e.type !== 'postponed');
    fields.key_events = events;
    for (const e of changes) if (e.type === 'activated' || e.type === 'removed') await auditNow(env, e.type === 'activated' ? 'key.rotated' : 'key.removed', { subject: e.kid, details: { alg: e.alg, scheduled: true } });
    if (changes.length > 0 || resealed) await keySetChanged(env);
    const others = await resealStored(env);
    if (resealed || others.clientSecrets > 0 || others.upstreamSecrets > 0 || others.upstreamKeys > 0 || others.pairwiseSalt) {
      fields.resealed = { signing_keys: Boolean(resealed), ...others };
      await auditNow(env, 'kek.resealed', { details: { signing_keys: Boolean(resealed), clients: others.clientSecrets, upstreams: others.upstreamSecrets, upstream_keys: others.upstreamKeys, pairwise_salt: others.pairwiseSalt } });
    }
    // Purges until every backlog is gone or ~20 s of work are spent; the next run resumes.
    fields.housekeeping = await purgeExpired(env.DB, now, { registration: settings(env).registration, auditRetentionDays: settings(env).auditRetentionDays });
    fields.ok = true;
  } catch (err) {
    fields.ok = false;
    fields.error = err instanceof Error ? err.message : String(err);
    throw err;
  } finally {
    // The one log line of the run (src/observability/log.ts).
    cronLog(env, fields, started);
  }
}

/** After any change of the key set: drop this isolate's copy and this colo's edge copies. */
export async function keySetChanged(env: Bindings, issuer = settings(env).issuer): Promise<void> {
  forgetKeySet();
  if (issuer) await purgeEdge([jwksEdgeKey(issuer), discoveryEdgeKey(issuer)]);
}
