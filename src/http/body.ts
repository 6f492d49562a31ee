/**
 * Reads a body as UTF-8 text, refusing more than `limit` bytes (checked as it streams, so a lying
 * or absent Content-Length cannot make us buffer more). Returns 'too-large' or 'not-utf8' instead
 * of throwing, so each caller answers in its own protocol's terms.
 */
export async function readTextLimited(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string | 'too-large' | 'not-utf8'> {
  if (!body) return '';
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
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(all);
  } catch {
    return 'not-utf8';
  }
}
