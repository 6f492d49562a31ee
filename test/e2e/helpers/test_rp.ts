/// <reference types="node" />
// A tiny relying party for the logout tests: an HTTP server on 127.0.0.1 that records every
// back-channel logout POST and answers each path with a scripted sequence of responses.
import { createServer, type Server } from 'node:http';

export interface Received {
  path: string;
  contentType: string | undefined;
  body: URLSearchParams;
  /** The status this request was answered with (after any delay). */
  answered: number;
  at: number;
}

export interface Scripted {
  status: number;
  /** Milliseconds to wait before answering (a slow relying party). */
  delayMs?: number;
}

export class TestRelyingParty {
  readonly received: Received[] = [];
  private scripts = new Map<string, Scripted[]>();
  private pages = new Map<string, string>();
  private server?: Server;
  baseUrl = '';

  /** An HTML page served for GET `path` (the relying party's own pages in the browser test). */
  page(path: string, html: string): void {
    this.pages.set(path, html);
  }

  /** Answers for `path`, in order; the last one repeats. */
  script(path: string, answers: Scripted[]): void {
    this.scripts.set(path, [...answers]);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const html = req.method === 'GET' ? this.pages.get(path) : undefined;
        if (html !== undefined) {
          this.received.push({ path: req.url ?? path, contentType: undefined, body: new URLSearchParams(), answered: 200, at: Date.now() });
          res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(html);
          return;
        }
        const queue = this.scripts.get(path) ?? [{ status: 200 }];
        const answer = queue.length > 1 ? queue.shift()! : queue[0]!;
        const record: Received = { path: req.method === 'GET' ? (req.url ?? path) : path, contentType: req.headers['content-type'], body: new URLSearchParams(Buffer.concat(chunks).toString()), answered: answer.status, at: Date.now() };
        setTimeout(() => {
          this.received.push(record);
          res.writeHead(answer.status, { 'Cache-Control': 'no-store' }).end();
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    this.baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Waits until `predicate` holds for the received requests, or fails after `timeoutMs`. */
  async waitFor(predicate: (r: Received[]) => boolean, timeoutMs: number): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate(this.received)) return this.received;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the test relying party did not receive what was expected within ${timeoutMs} ms: ${JSON.stringify(this.received.map((r) => [r.path, r.answered]))}`);
  }
}
