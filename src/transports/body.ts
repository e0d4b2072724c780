/** Reading request bodies with a size cap, for routes that do not hand the body to the SDK. */

/** The body as text, or undefined when it is longer than `max` bytes. */
export async function readAtMost(req: Request, max: number): Promise<string | undefined> {
  if (Number(req.headers.get("content-length") ?? "0") > max) return undefined;
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
