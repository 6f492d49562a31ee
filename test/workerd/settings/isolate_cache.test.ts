import { describe, expect, it } from 'vitest';
import { isolateCache } from '../../../src/isolate_cache';

describe('isolateCache (claims catalogue, key set)', () => {
  it('concurrent callers share one load, and the value is kept for ttl seconds', async () => {
    const cache = isolateCache<number>(60);
    let loads = 0;
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get(load, 0), cache.get(load, 10)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    expect(cache.peek(59_999)).toBe(1);
    expect(cache.peek(60_000)).toBeUndefined();
    expect(await cache.get(load, 60_000)).toBe(2);
    cache.forget();
    expect(cache.peek(60_001)).toBeUndefined();
  });

  it('a failed load is not kept, unless keepLastGood says to serve the previous value', async () => {
    const plain = isolateCache<string>(60);
    await expect(plain.get(async () => { throw new Error('down'); }, 0)).rejects.toThrow('down');
    expect(await plain.get(async () => 'up', 1)).toBe('up');

    const sticky = isolateCache<string>(60, { keepLastGood: (err) => (err as Error).message !== 'fatal' });
    await sticky.get(async () => 'good', 0);
    expect(await sticky.get(async () => { throw new Error('blip'); }, 60_000)).toBe('good');
    await expect(sticky.get(async () => { throw new Error('fatal'); }, 120_000)).rejects.toThrow('fatal');
  });
});
