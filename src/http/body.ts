/** Strict UTF-8 (a malformed sequence throws); decode() without `stream` starts afresh each call. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Reads a body's bytes, refusing more than `limit` (checked as it streams, so a lying or absent
 * Content-Length cannot make us buffer more): 'too-large' instead of throwing.
 */
export async function readBytesLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | 'too-large'> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return 'too-large';
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

/**
 * Reads a body as UTF-8 text, refusing more than `limit` bytes (readBytesLimited). Returns
 * 'too-large' or 'not-utf8' instead of throwing, so each caller answers in its own protocol's terms.
 */
export async function readTextLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | 'too-large' | 'not-utf8'> {
  if (!body) return '';
  const all = await readBytesLimited(body, limit);
  if (all === 'too-large') return all;
  try {
    return UTF8.decode(all);
  } catch {
    return 'not-utf8';
  }
}

/**
 * readTextLimited for an incoming request. With a Content-Length within the limit the body is read
 * in one native call (request.arrayBuffer(), several times cheaper than a stream reader loop in
 * workerd): HTTP framing (RFC 9112 §6.2; RFC 9113 §8.1.1 makes a mismatch on HTTP/2 a malformed
 * request) bounds the body by that length, and the size is checked again after reading. Without a
 * Content-Length (chunked) the stream is read with the limit checked as it arrives.
 */
export async function readRequestTextLimited(request: Request, limit: number, contentLength = request.headers.get('content-length')): Promise<string | 'too-large' | 'not-utf8'> {
  if (contentLength === null || !/^\d{1,10}$/.test(contentLength)) return readTextLimited(request.body, limit);
  const declared = Number(contentLength);
  if (declared > limit) return 'too-large';
  if (declared === 0) return ''; // (reading request.body would build a stream object for nothing)
  const bytes = await request.arrayBuffer();
  if (bytes.byteLength > limit) return 'too-large';
  try {
    return UTF8.decode(bytes);
  } catch {
    return 'not-utf8';
  }
}
