/**
 * `deno run --allow-read=<dir> --allow-write=<dir> remove_temp.ts <dir>`: removes the launcher's
 * dedicated temporary directory after its server exited, however it exited (even killed, when it
 * could not clean up itself). The launcher runs it because it holds no write permission itself.
 */
if (import.meta.main) {
  const dir = Deno.args[0];
  if (dir) {
    // Chromium's last processes may still be writing into a profile just after the server died.
    for (let attempt = 0; attempt < 10; attempt++) {
      try {
        await Deno.remove(dir, { recursive: true });
        break;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) break;
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
      }
    }
  }
}
