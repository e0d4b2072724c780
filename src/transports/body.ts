/** Reading request bodies with a size cap and a deadline, before anything is handed to the SDK. */
import { readCappedText, TooLarge } from "../capped.ts";

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
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) =>
    timer = setTimeout(() => reject(new TooSlow()), timeoutMs)
  );
  late.catch(() => {}); // raced below; never an unhandled rejection
  try {
    const text = await readCappedText(req.body, max, (r) => Promise.race([r.read(), late]));
    return { ok: true, text };
  } catch (error) {
    if (error instanceof TooLarge) return tooLarge;
    if (error instanceof TooSlow) {
      return {
        ok: false,
        status: 408,
        message: `Request body too slow: it must arrive within ${timeoutMs / 1000} seconds`,
      };
    }
    return { ok: false, status: 400, message: "Bad request: the body was cut off" };
  } finally {
    clearTimeout(timer);
  }
}

/** The body's deadline passed. */
class TooSlow extends Error {}
