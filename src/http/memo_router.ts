import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/** How many (method, path) answers are kept; past it the memo starts afresh (arbitrary paths cannot grow it). */
const MAX_ENTRIES = 512;

/**
 * Hono's default router (SmartRouter: RegExpRouter, else TrieRouter; the app's routes need the
 * TrieRouter, which walks its tree on every request), remembering the answer for a (method,
 * path) whose match has no path parameters: the same request line always matches the same
 * handlers, so `POST /token` is routed once per isolate instead of once per request (issue 10,
 * CPU). Answers with parameters (`/interaction/:id`, ...) are not kept. Adding a route forgets
 * everything. Hono reads a match result and never changes it.
 */
export class MemoRouter<T> implements Router<T> {
  readonly name = 'MemoRouter';
  readonly #inner: Router<T>;
  readonly #memo = new Map<string, Result<T>>();

  constructor(inner: Router<T> = new SmartRouter<T>({ routers: [new RegExpRouter<T>(), new TrieRouter<T>()] })) {
    this.#inner = inner;
  }

  add(method: string, path: string, handler: T): void {
    this.#memo.clear();
    this.#inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    const known = this.#memo.get(key);
    if (known) return known;
    const result = this.#inner.match(method, path);
    // Parameters are in result[0][i][1] in both of Hono's result shapes (TrieRouter's and RegExpRouter's).
    if (result[0].every(([, params]) => Object.keys(params).length === 0)) {
      if (this.#memo.size >= MAX_ENTRIES) this.#memo.clear();
      this.#memo.set(key, result);
    }
    return result;
  }
}
