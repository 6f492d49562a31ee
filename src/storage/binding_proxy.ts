// A transparent wrapper over the REAL bindings of the Worker (D1, KV, Durable Objects): every
// storage round trip goes through one hook. The Worker uses it to retry transient failures
// (src/storage/resilience.ts), the storage-trip bench to count trips and add an artificial delay
// (bench/entry.ts), and the fault tests to fail the Nth call of a kind. No storage is faked: each
// wrapped call forwards to the real binding.
import type { Bindings } from '../env';

/** One storage round trip as the Worker sees it. */
export type TripKind =
  | 'd1' // one D1 statement (first/all/run/raw) or exec on the primary
  | 'd1-batch' // one D1 batch on the primary
  | 'd1-replica' // a statement or batch through a D1 Sessions API session (`withSession`)
  | 'kv' // one KV call
  | 'do'; // one Durable Object call (fetch or RPC method)

export interface Trip {
  kind: TripKind;
  binding: string;
  /** Statement SQL (first statement for batches), KV method + key, DO method. */
  label: string;
  /** true when the call changes state (D1 statements other than SELECT, KV put/delete, every DO call counts as write). */
  write: boolean;
  /** D1: every statement of the trip (one, or the batch's). */
  sql?: string[];
  /** Durable Objects: the method called (`fetch` or the RPC method). */
  method?: string;
}

/** Runs `call` (the real binding call); may delay, count or throw. Must return call()'s result. */
export type TripHook = <T>(trip: Trip, call: () => Promise<T>) => Promise<T>;

const READ_SQL = /^\s*(SELECT|WITH\b(?![\s\S]*\b(INSERT|UPDATE|DELETE)\b)|EXPLAIN|PRAGMA)/i;
export const isReadSql = (sql: string) => READ_SQL.test(sql);

// D1 ---------------------------------------------------------------------------------------------

/** The real statement behind each wrapped one, for batch(). */
const INNER = new WeakMap<object, D1PreparedStatement>();

class WrappedStatement {
  constructor(
    private readonly inner: D1PreparedStatement,
    readonly sql: string,
    private readonly binding: string,
    private readonly kind: TripKind,
    private readonly hook: TripHook,
  ) {
    INNER.set(this, inner);
  }
  bind(...values: unknown[]): WrappedStatement {
    return new WrappedStatement(this.inner.bind(...values), this.sql, this.binding, this.kind, this.hook);
  }
  private trip<T>(call: () => Promise<T>): Promise<T> {
    const write = !isReadSql(this.sql);
    // A write through a Sessions API session still goes to the primary: counted there.
    const kind = write && this.kind === 'd1-replica' ? 'd1' : this.kind;
    return this.hook({ kind, binding: this.binding, label: this.sql, write, sql: [this.sql] }, call);
  }
  first(column?: string) {
    return this.trip(() => (column === undefined ? this.inner.first() : this.inner.first(column)));
  }
  all() {
    return this.trip(() => this.inner.all());
  }
  run() {
    return this.trip(() => this.inner.run());
  }
  raw(options?: { columnNames?: boolean }) {
    return this.trip(() => this.inner.raw(options as { columnNames: true }));
  }
}

const unwrap = (s: D1PreparedStatement): D1PreparedStatement => INNER.get(s) ?? s;

function batchTrip(binding: string, kind: TripKind, statements: D1PreparedStatement[]): Trip {
  const sqls = statements.map((s) => (s as unknown as { sql?: string }).sql ?? '');
  const label = `batch[${statements.length}] ${sqls[0] ?? ''}`;
  return { kind, binding, label, write: sqls.some((q) => !isReadSql(q)), sql: sqls };
}

function wrapD1(db: D1Database, binding: string, hook: TripHook): D1Database {
  const prepare = (target: { prepare(q: string): D1PreparedStatement }, kind: TripKind) => (query: string) => {
    return new WrappedStatement(target.prepare(query), query, binding, kind, hook) as unknown as D1PreparedStatement;
  };
  const wrapped = {
    prepare: prepare(db, 'd1'),
    batch<T>(statements: D1PreparedStatement[]) {
      return hook(batchTrip(binding, 'd1-batch', statements), () => db.batch<T>(statements.map(unwrap)));
    },
    exec(query: string) {
      return hook({ kind: 'd1', binding, label: query, write: !isReadSql(query), sql: [query] }, () => db.exec(query));
    },
    dump() {
      return db.dump();
    },
    withSession(constraintOrBookmark?: string) {
      const session = db.withSession(constraintOrBookmark as D1SessionBookmark);
      return {
        prepare: prepare(session, 'd1-replica'),
        batch<T>(statements: D1PreparedStatement[]) {
          const trip = batchTrip(binding, 'd1-replica', statements);
          return hook(trip.write ? { ...trip, kind: 'd1-batch' } : trip, () => session.batch<T>(statements.map(unwrap)));
        },
        getBookmark: () => session.getBookmark(),
      } as unknown as D1DatabaseSession;
    },
  };
  return wrapped as unknown as D1Database;
}

// KV ---------------------------------------------------------------------------------------------

const KV_WRITES = new Set(['put', 'delete']);

function wrapKv(kv: KVNamespace, binding: string, hook: TripHook): KVNamespace {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof prop !== 'string' || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        hook({ kind: 'kv', binding, label: `${prop} ${typeof args[0] === 'string' ? args[0] : ''}`.trim(), write: KV_WRITES.has(prop) }, () =>
          (value as (...a: unknown[]) => Promise<unknown>).apply(target, args),
        );
    },
  });
}

// Durable Objects ------------------------------------------------------------------------------------

const STUB_PLAIN = new Set(['id', 'name', 'then', 'toJSON', 'constructor']);

function wrapStub(stub: DurableObjectStub, binding: string, hook: TripHook): DurableObjectStub {
  return new Proxy(stub, {
    get(target, prop) {
      if (typeof prop !== 'string' || STUB_PLAIN.has(prop)) return Reflect.get(target, prop);
      // An RPC stub answers any property name with a callable; every call is one round trip.
      return (...args: unknown[]) =>
        hook({ kind: 'do', binding, label: prop, write: true, method: prop }, () => (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[prop]!(...args));
    },
  });
}

function wrapNamespace(ns: DurableObjectNamespace, binding: string, hook: TripHook): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (prop === 'get' || prop === 'getByName') {
        return (...args: unknown[]) => wrapStub((value as (...a: unknown[]) => DurableObjectStub).apply(target, args), binding, hook);
      }
      if (prop === 'jurisdiction') {
        return (...args: unknown[]) => wrapNamespace((value as (...a: unknown[]) => DurableObjectNamespace).apply(target, args), binding, hook);
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// Env ----------------------------------------------------------------------------------------------

const isD1 = (v: unknown): v is D1Database => !!v && typeof (v as D1Database).prepare === 'function' && typeof (v as D1Database).batch === 'function';
const isKv = (v: unknown): v is KVNamespace => !!v && typeof (v as KVNamespace).getWithMetadata === 'function' && typeof (v as KVNamespace).put === 'function';
const isDoNamespace = (v: unknown): v is DurableObjectNamespace => !!v && typeof (v as DurableObjectNamespace).idFromName === 'function';

/** A copy of `env` whose D1, KV and Durable Object bindings route every round trip through `hook`. */
export function wrapBindings<E extends object = Bindings>(env: E, hook: TripHook): E {
  const out: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [name, value] of Object.entries(env)) {
    if (isD1(value)) out[name] = wrapD1(value, name, hook);
    else if (isKv(value)) out[name] = wrapKv(value, name, hook);
    else if (isDoNamespace(value)) out[name] = wrapNamespace(value, name, hook);
  }
  return out as E;
}
