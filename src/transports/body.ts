/** Reading request bodies with a size cap and a deadline, before anything is handed to the SDK. */

/** A body read: its text, or why it was not read (413 too large, 408 too slow, 400 broken). */
export type BodyRead =
  | { ok: true; text: string }
  | { ok: false; status: 400 | 408 | 413; message: string };

/**
 * The body as text: at most `max` bytes, all of it within `timeoutMs` (a client that trickles
 * its body cannot hold a connection or a session slot). Never throws.
 */
export async function readBody(req: Request, max: number, timeoutMs: number): Promise<BodyRead> {
  const tooLarge = {
    ok: false,
    status: 413,
    message: `Request body too large: at most ${max} bytes`,
  } as const;
  if (Number(req.headers.get("content-length") ?? "0") > max) return tooLarge;
  if (!req.body) return { ok: true, text: "" };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) =>
    timer = setTimeout(() => resolve("late"), timeoutMs)
  );
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), late]);
      if (next === "late") {
        return {
          ok: false,
          status: 408,
          message: `Request body too slow: it must arrive within ${timeoutMs / 1000} seconds`,
        };
      }
      if (next.done) break;
      size += next.value.byteLength;
      if (size > max) return tooLarge;
      chunks.push(next.value);
    }
  } catch {
    return { ok: false, status: 400, message: "Bad request: the body was cut off" };
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => {}); // a no-op once read to the end
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, text: new TextDecoder().decode(all) };
}
