import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { guardedFetch, OutboundError } from '../http/outbound';
import { signingKey } from '../keys/keystore';
import type { KeyAlg } from '../keys/types';
import { signLogoutToken } from '../logout/logout_token';
import { ATTEMPT_TIMEOUT_MS, judgeAttempt, parseRetryAfter, type AttemptResult } from '../logout/retry_policy';
import { LogoutDeliveryRepository } from '../storage/logout_deliveries';

/** One back-channel logout delivery: a logout token for one client about one session. */
export interface DeliveryJob {
  id: string;
  issuer: string;
  clientId: string;
  uri: string;
  sub: string;
  sid?: string;
  /** The client's ID token algorithm (logout tokens are signed like its ID tokens). */
  alg: KeyAlg;
  createdAt: number;
  /** Seconds before the first retry; doubles with every attempt. */
  retryBase: number;
  attempts: number;
  /** Set once the outcome is final, before it is written to D1 (so a retried alarm never re-delivers). */
  final?: { status: 'delivered' | 'failed'; httpStatus: number | null; error: string | null; at: number };
}

const JOB = 'job';
const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * One instance per delivery (newUniqueId). `start` only stores the job and sets an alarm, so the
 * user's logout never waits for a relying party; the alarm POSTs the logout token (Back-Channel
 * Logout 1.0 §2.5) and, when the RP is unreachable, slow or answers 5xx/429, sets the next alarm
 * with backoff. Every attempt signs a fresh token (new jti, two-minute validity) and writes its
 * outcome to D1 (logout_deliveries). A finished delivery deletes its storage.
 */
export class LogoutDelivery extends DurableObject<Bindings> {
  async start(job: DeliveryJob): Promise<void> {
    if (this.ctx.storage.kv.get(JOB)) return;
    this.ctx.storage.kv.put(JOB, job);
    await new LogoutDeliveryRepository(this.env.DB).insert({ id: job.id, clientId: job.clientId, sid: job.sid ?? null, sub: job.sub, uri: job.uri, createdAt: job.createdAt });
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const job = this.ctx.storage.kv.get<DeliveryJob>(JOB);
    if (!job) return;
    // A previous run reached a final outcome but failed to record it: record it, never deliver again.
    if (job.final) return this.finish(job, job.final);
    const attempts = job.attempts + 1;
    const result = await this.attempt(job);
    const at = nowSeconds();
    const verdict = judgeAttempt(result, attempts, at - job.createdAt, job.retryBase);
    const httpStatus = result.kind === 'response' ? result.status : null;
    const error = result.kind === 'error' ? result.message : verdict.outcome === 'delivered' ? null : `HTTP ${result.status}`;
    const deliveries = new LogoutDeliveryRepository(this.env.DB);
    if (verdict.outcome === 'retry') {
      this.ctx.storage.kv.put(JOB, { ...job, attempts });
      await deliveries.recordAttempt(job.id, { status: 'pending', attempts, httpStatus, error, at, nextAttemptAt: at + verdict.delaySeconds });
      await this.ctx.storage.setAlarm(Date.now() + verdict.delaySeconds * 1000);
      return;
    }
    const final = { status: verdict.outcome, httpStatus, error, at };
    const done = { ...job, attempts, final };
    this.ctx.storage.kv.put(JOB, done);
    await this.finish(done, final);
  }

  private async finish(job: DeliveryJob, final: NonNullable<DeliveryJob['final']>): Promise<void> {
    await new LogoutDeliveryRepository(this.env.DB).recordAttempt(job.id, { ...final, attempts: job.attempts, nextAttemptAt: null });
    console.log(`back-channel logout ${job.id} to client ${job.clientId}: ${final.status} after ${job.attempts} attempt(s)${final.error ? ` (${final.error})` : ''}`);
    await this.ctx.storage.deleteAll();
  }

  private async attempt(job: DeliveryJob): Promise<AttemptResult> {
    let token: string;
    try {
      token = await signLogoutToken({ issuer: job.issuer, clientId: job.clientId, sub: job.sub, sid: job.sid, issuedAt: nowSeconds() }, await signingKey(this.env, job.alg));
    } catch (err) {
      return { kind: 'error', message: `could not sign the logout token: ${err instanceof Error ? err.message : String(err)}` };
    }
    try {
      // §2.5: an HTTP POST of application/x-www-form-urlencoded `logout_token`; redirects are not followed,
      // and only a public https address is posted to (src/http/outbound.ts).
      const res = await guardedFetch(
        job.uri,
        { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: new URLSearchParams({ logout_token: token }).toString() },
        { issuer: job.issuer, timeoutMs: ATTEMPT_TIMEOUT_MS, what: `back-channel logout ${job.id} to client ${job.clientId}` },
      );
      await res.body?.cancel();
      return { kind: 'response', status: res.status, retryAfter: parseRetryAfter(res.headers.get('Retry-After')) };
    } catch (err) {
      // A refused address or a redirect will not change on a retry: final at once.
      if (err instanceof OutboundError) return { kind: 'error', message: `the backchannel_logout_uri ${err.message}`, final: err.reason === 'refused' || err.reason === 'redirect' };
      return { kind: 'error', message: `could not be delivered: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300) };
    }
  }
}
