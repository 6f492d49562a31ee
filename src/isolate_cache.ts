/**
 * One value kept in this isolate's memory for `ttlSeconds` (the claims catalogue, the signing key
 * set). Concurrent callers while it loads share one load (in-flight deduplication); a failed load
 * is not kept, so the next caller tries again, unless `keepLastGood(err)` says to go on serving
 * the previous value. A base module: it imports nothing.
 */
export interface IsolateCache<T> {
  /** The fresh value, or the one being loaded, or a new load. */
  get(load: () => Promise<T>, nowMs?: number): Promise<T>;
  /** The fresh value without waiting, if there is one loaded (hot paths). */
  peek(nowMs?: number): T | undefined;
  /** Drops the value (after a change made in this isolate). */
  forget(): void;
}

export function isolateCache<T>(ttlSeconds: number, options: { keepLastGood?: (err: unknown) => boolean } = {}): IsolateCache<T> {
  let entry: { value: Promise<T>; loadedAt: number; resolved?: { value: T } } | undefined;
  const fresh = (nowMs: number) => entry !== undefined && nowMs - entry.loadedAt < ttlSeconds * 1000;
  return {
    get(load, nowMs = Date.now()) {
      if (fresh(nowMs)) return entry!.value;
      const previous = entry;
      const current: NonNullable<typeof entry> = { value: Promise.resolve(undefined as never), loadedAt: nowMs };
      current.value = load().then(
        (value) => (current.resolved = { value }).value,
        (err) => {
          if (previous?.resolved && options.keepLastGood?.(err)) return (current.resolved = previous.resolved).value;
          if (entry === current) entry = undefined;
          throw err;
        },
      );
      entry = current;
      return current.value;
    },
    peek(nowMs = Date.now()) {
      return fresh(nowMs) ? entry!.resolved?.value : undefined;
    },
    forget() {
      entry = undefined;
    },
  };
}
