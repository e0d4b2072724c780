/** What the doctor asks of the machine, kept apart so the checks themselves stay testable. */

/** Tries to listen on 127.0.0.1:`port`, and closes again at once. */
export function probePort(port: number): Promise<"free" | "in_use" | "not_permitted"> {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return Promise.resolve("free");
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return Promise.resolve("in_use");
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return Promise.resolve("not_permitted");
    }
    throw error;
  }
}
