/**
 * `deno run --allow-read=<dir> --allow-write=<dir> remove_temp.ts <dir> [--killed]`: removes the
 * launcher's dedicated temporary directory after its server exited, however it exited (even
 * killed, unable to clean up itself). The launcher runs it because it holds no write permission.
 */
if (import.meta.main) {
  const [dir, mode] = Deno.args;
  // Chromium's last processes may still be writing into a profile just after the server died:
  // the removal fails, or (after a kill, when the server could not close its browser) the files
  // come back, so it is tried again, for about two seconds at most.
  const killed = mode === "--killed";
  for (let pass = 0; dir && pass < 8; pass++) {
    if (pass) await new Promise((resolve) => setTimeout(resolve, 50 * pass));
    try {
      await Deno.remove(dir, { recursive: true });
      if (!killed) break;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound && !killed) break;
    }
  }
}
