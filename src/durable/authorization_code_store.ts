import { DurableObject } from 'cloudflare:workers';
import { decideRedemption, type CodeRecord, type Redemption, type RedemptionAttempt } from '../grants/code_record';

const RECORD = 'code';

/**
 * One instance per authorization code (SQLite-backed). Each call runs to completion before the
 * next starts and touches storage synchronously, so a redemption is atomic: of any number of
 * concurrent redemptions exactly one is issued. The record stays as a tombstone until the code's
 * expiry so a replay can be recognised, then an alarm deletes it.
 */
export class AuthorizationCodeStore extends DurableObject {
  async store(record: CodeRecord): Promise<void> {
    this.ctx.storage.kv.put(RECORD, record);
    await this.ctx.storage.setAlarm(record.expiresAt * 1000);
  }

  redeem(attempt: RedemptionAttempt): Redemption {
    const record = this.ctx.storage.kv.get<CodeRecord>(RECORD);
    const decision = decideRedemption(record, attempt);
    if (decision.outcome === 'issued') {
      this.ctx.storage.kv.put(RECORD, { ...decision.record, redeemedGrantId: attempt.grantId });
    }
    return decision;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
