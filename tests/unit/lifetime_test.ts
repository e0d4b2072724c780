/** The launcher's private arguments, and the watch that ends a server whose launcher is gone. */
import assert from "node:assert/strict";
import { splitLauncherArgs, watchParent } from "../../src/cli/lifetime.ts";

Deno.test("lifetime: the launcher's arguments come off the front, the person's stay", () => {
  assert.deepEqual(
    splitLauncherArgs(["--exit-with-parent=4242", "--own-tmpdir=/tmp/plm-1", "doctor", "--json"]),
    { args: ["doctor", "--json"], watchParent: 4242, ownTempDir: "/tmp/plm-1" },
  );
  // Only at the front: the same text later is the person's (and loadConfig refuses it).
  assert.deepEqual(splitLauncherArgs(["tools", "--exit-with-parent=1"]), {
    args: ["tools", "--exit-with-parent=1"],
  });
  assert.deepEqual(splitLauncherArgs([]), { args: [] });
});

Deno.test("lifetime: a launcher already gone before the server looked is noticed at once", async () => {
  // Our real parent is Deno.ppid; a launcher pid that is not it means it died meanwhile.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gone = await new Promise<boolean>((resolve) => {
    watchParent(() => resolve(true), Deno.ppid + 1_000_000);
    timer = setTimeout(() => resolve(false), 5_000);
  });
  clearTimeout(timer);
  assert.equal(gone, true);
});

Deno.test("lifetime: a parent that stays is never reported", async () => {
  let called = false;
  const stop = watchParent(() => called = true, Deno.ppid, 10);
  await new Promise((r) => setTimeout(r, 100));
  stop();
  assert.equal(called, false);
});
