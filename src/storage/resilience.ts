/**
 * Transient storage failures (issue 10). D1 loses connections and Durable Objects get reset or
 * overloaded: the calls that can safely run twice are retried with jittered exponential backoff
 * within a small budget; a failure that survives (or a call that must not run twice) becomes
 * StorageUnavailable, which the app answers with 503 `temporarily_unavailable` and Retry-After
 * (src/app.ts), never a half-written record.
 *
 * What may run twice:
 * - D1 reads (SELECT);
 * - D1 writes keyed by a unique id that a second run leaves unchanged: INSERT ... ON CONFLICT DO
 *   NOTHING / INSERT OR IGNORE, DELETE, and UPDATE ... SET col = <value> (not col = col ± n);
 *   statements marked `/* idempotent *\/` by their author (e.g. a compare-and-swap);
 *   a batch when every statement in it may;
 * - KV reads; Durable Object methods listed in IDEMPOTENT_DO (a code is stored before anyone knows
 *   it, a throttle check only reads, the key manager's ensure() converges).
 * Everything else (a plain INSERT, a counter, a code redemption) runs once.
 */
import type { Bindings } from '../env';
import { isReadSql, wrapBindings, type Trip } from './binding_proxy';

export class StorageUnavailable extends Error {
  constructor(
    readonly trip: Pick<Trip, 'kind' | 'binding' | 'label'>,
    override readonly cause: unknown,
  ) {
    super(`storage temporarily unavailable (${trip.kind} ${trip.binding}): ${String((cause as Error)?.message ?? cause)}`);
    this.name = 'StorageUnavailable';
  }
}

/** Seconds a client should wait before trying again after a 503 (RFC 9110 §10.2.3). */
export const RETRY_AFTER_SECONDS = 2;

export const RETRY = {
  /** Attempts in all, the first included. */
  attempts: 3,
  /** Backoff before attempt n + 1 is random in [0, baseMs × 2^n) ("full jitter"). */
  baseMs: 25,
};

const IDEMPOTENT_DO: Record<string, ReadonlySet<string>> = {
  AUTH_CODES: new Set(['store']),
  THROTTLE: new Set(['check']),
  KEY_MANAGER: new Set(['ensure', 'document']),
};

const MARKED = /^\s*\/\*\s*idempotent\b/i;
const INSERT_IGNORING = /^\s*INSERT\s+OR\s+IGNORE\b|\bON\s+CONFLICT\b[^;]*\bDO\s+NOTHING\b/i;
const DELETE = /^\s*DELETE\b/i;
const SELF_REFERENCING_SET = /\bSET\b[\s\S]*\b(\w+)\s*=\s*\1\s*[-+]/i;

export function idempotentSql(sql: string): boolean {
  if (isReadSql(sql) || MARKED.test(sql) || DELETE.test(sql)) return true;
  if (/^\s*INSERT\b/i.test(sql)) return INSERT_IGNORING.test(sql) && !/\bDO\s+UPDATE\b/i.test(sql);
  if (/^\s*UPDATE\b/i.test(sql)) return !SELF_REFERENCING_SET.test(sql);
  return false;
}

export function mayRetry(trip: Trip): boolean {
  switch (trip.kind) {
    case 'd1':
    case 'd1-batch':
    case 'd1-replica':
      return (trip.sql ?? [trip.label]).every(idempotentSql);
    case 'kv':
      return !trip.write;
    case 'do':
      return IDEMPOTENT_DO[trip.binding]?.has(trip.method ?? '') ?? false;
  }
}

/**
 * Whether an error is one of the storage layer's transient ones rather than an answer (a
 * constraint violation, an SQL error, an application error thrown by a Durable Object).
 */
export function isTransient(err: unknown): boolean {
  const e = err as { message?: string; retryable?: boolean; overloaded?: boolean } | null;
  if (!e || typeof e !== 'object') return false;
  // Durable Objects: retry what the runtime marks retryable, but not an overloaded object.
  if (e.overloaded === true) return true;
  if (e.retryable === true) return true;
  const m = String(e.message ?? '');
  if (/constraint|SQLITE_ERROR|syntax error|no such (table|column)/i.test(m)) return false;
  return /network connection lost|connection (was )?(reset|closed|lost)|internal error|reset because its code was updated|storage caused object to be reset|Durable Object.*(reset|overloaded)|too many requests|timed? ?out|D1_ERROR: (?:Failed|internal)/i.test(m);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one storage call with the retry policy above. Overloaded objects are not retried (it adds load). */
export async function withRetry<T>(trip: Trip, call: () => Promise<T>): Promise<T> {
  const retriable = mayRetry(trip);
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isTransient(err)) throw err;
      const overloaded = (err as { overloaded?: boolean }).overloaded === true;
      if (!retriable || overloaded || attempt >= RETRY.attempts) throw new StorageUnavailable(trip, err);
      await sleep(Math.random() * RETRY.baseMs * 2 ** (attempt - 1));
    }
  }
}

const resilient = new WeakMap<object, Bindings>();

/** The Worker's bindings with every storage call going through withRetry (one wrapper per env object). */
export function resilientBindings(env: Bindings): Bindings {
  let wrapped = resilient.get(env);
  if (!wrapped) {
    wrapped = wrapBindings(env, withRetry);
    resilient.set(env, wrapped);
  }
  return wrapped;
}
