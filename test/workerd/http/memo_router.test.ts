// src/http/memo_router.ts: the app's router remembers parameter-less matches (issue 10, CPU);
// matches with parameters are computed afresh, so ids never leak from one request to another.
import { describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { MemoRouter } from '../../../src/http/memo_router';

describe('MemoRouter', () => {
  it('answers like the default router, remembering only parameter-less matches', async () => {
    const router = new MemoRouter<string>();
    router.add('ALL', '*', 'mw');
    router.add('POST', '/token', 'token');
    router.add('GET', '/interaction/:id', 'page');
    router.add('ALL', '/interaction/:id/:action', 'other');
    router.add('GET', '/interaction/:id/login', 'login');

    const token = router.match('POST', '/token');
    expect(token[0].map(([h]) => h)).toEqual(['mw', 'token']);
    expect(router.match('POST', '/token')).toBe(token); // remembered
    expect(router.match('GET', '/token')[0].map(([h]) => h)).toEqual(['mw']); // per method

    const a = router.match('GET', '/interaction/aaa');
    const b = router.match('GET', '/interaction/bbb');
    expect(a).not.toBe(b);
    const param = (r: typeof a, h: string) => (r[0].find(([x]) => x === h)![1] as Record<string, string>).id;
    expect(param(a, 'page')).toBe('aaa');
    expect(param(b, 'page')).toBe('bbb');
    expect(router.match('GET', '/interaction/aaa')).not.toBe(a); // never remembered
    expect(router.match('GET', '/interaction/ccc/login')[0].map(([h]) => h)).toEqual(['mw', 'other', 'login']);
  });

  it('stays bounded under arbitrary paths, and works over either of the default router\'s engines', () => {
    for (const ambiguous of [false, true]) {
      const router = new MemoRouter<string>();
      router.add('ALL', '*', 'mw');
      router.add('GET', '/x/:id/login', 'login');
      // (The app's routes need the TrieRouter: a parameter beside a static segment at one level.)
      if (ambiguous) router.add('ALL', '/x/:id/:action', 'other');
      for (let i = 0; i < 5000; i++) expect(router.match('GET', `/unknown-${i}`)[0].map(([h]) => h)).toEqual(['mw']);
      const first = router.match('GET', '/fresh');
      expect(router.match('GET', '/fresh')).toBe(first);
      expect(router.match('GET', '/x/1/login')[0].map(([h]) => h)).toEqual(ambiguous ? ['mw', 'login', 'other'] : ['mw', 'login']);
    }
  });

  it('routes a Hono app the same (route patterns, params, 404)', async () => {
    const app = new Hono({ router: new MemoRouter() });
    app.get('/jwks', (c) => c.text(`jwks ${c.req.routePath}`));
    app.get('/clients/:id', (c) => c.text(`client ${c.req.param('id')} ${c.req.routePath}`));
    for (let i = 0; i < 2; i++) {
      expect(await (await app.request('/jwks')).text()).toBe('jwks /jwks');
      expect(await (await app.request('/clients/one')).text()).toBe('client one /clients/:id');
      expect(await (await app.request('/clients/two')).text()).toBe('client two /clients/:id');
      expect((await app.request('/nothing')).status).toBe(404);
    }
  });
});
