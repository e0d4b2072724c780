/**
 * Reading a byte stream whole, but never more than a cap: the one rule for request bodies
 * (src/transports/body.ts), ERP answers (src/erp/client.ts) and fetched client metadata
 * documents (src/oauth/clients.ts).
 */

/** The stream went past its cap of `max` bytes; what was read is dropped. */
export class TooLarge extends Error {
  constructor(readonly max: number) {
    super(`larger than ${max} bytes`);
    this.name = "TooLarge";
  }
}

/** `chunks` (`size` bytes in all) as one UTF-8 text. */
export function decodeChunks(chunks: readonly Uint8Array[], size: number): string {
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

/**
 * `body` as UTF-8 text ("" for none), read chunk by chunk and given up as soon as it passes
 * `max` bytes (TooLarge), so nothing larger is ever held. `read` reads one chunk: a caller may
 * race it against a deadline and throw. Other errors of the stream pass through; the stream is
 * cancelled however the read ends (a no-op once read to the end).
 */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  read: (
    reader: ReadableStreamDefaultReader<Uint8Array>,
  ) => Promise<ReadableStreamReadResult<Uint8Array>> = (reader) => reader.read(),
): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const next = await read(reader);
      if (next.done) break;
      size += next.value.byteLength;
      if (size > max) throw new TooLarge(max);
      chunks.push(next.value);
    }
  } finally {
    void reader.cancel().catch(() => {});
  }
  return decodeChunks(chunks, size);
}
