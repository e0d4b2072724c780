/**
 * How a server started by the launcher (src/start.ts) ends with it: the launcher's private
 * arguments, the signals passed on, and a watch on the parent process.
 */

/** Arguments only the launcher passes to main.ts and the demo; they come before the person's. */
export const LAUNCHER_ARGS = {
  /**
   * `--exit-with-parent=<launcher pid>`: exit when the launcher goes away (it may be killed
   * without closing the pipe), even if that happened before this process looked.
   */
  watchParent: "--exit-with-parent=",
  /** `--own-tmpdir=<dir>`: create this dedicated temporary directory, and remove it at exit. */
  ownTempDir: "--own-tmpdir=",
} as const;

/** The signals that end the server at once (Windows knows only SIGINT and SIGBREAK). */
export const SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGTERM", "SIGINT", "SIGHUP"];

/** The launcher's private arguments taken off the front of `args`. */
export function splitLauncherArgs(
  args: readonly string[],
): { args: string[]; watchParent?: number; ownTempDir?: string } {
  const rest = [...args];
  let watch: number | undefined;
  let ownTempDir: string | undefined;
  while (rest.length) {
    if (rest[0].startsWith(LAUNCHER_ARGS.watchParent)) {
      watch = Number(rest[0].slice(LAUNCHER_ARGS.watchParent.length)) || undefined;
    } else if (rest[0].startsWith(LAUNCHER_ARGS.ownTempDir)) {
      ownTempDir = rest[0].slice(LAUNCHER_ARGS.ownTempDir.length);
    } else break;
    rest.shift();
  }
  return {
    args: rest,
    ...(watch ? { watchParent: watch } : {}),
    ...(ownTempDir ? { ownTempDir } : {}),
  };
}

/**
 * Calls `gone` once when this process's parent is no longer `parent` (default: the parent now) —
 * it died and the process was re-parented — checking every `everyMs` ms, and at once; the check
 * never keeps the process alive. Returns a function that stops watching.
 */
export function watchParent(gone: () => void, parent = Deno.ppid, everyMs = 500): () => void {
  if (Deno.ppid !== parent) {
    queueMicrotask(gone);
    return () => {};
  }
  const id = setInterval(() => {
    if (Deno.ppid === parent) return;
    clearInterval(id);
    gone();
  }, everyMs);
  Deno.unrefTimer(id);
  return () => clearInterval(id);
}

/**
 * For main.ts and the demo: applies the launcher's private arguments — the dedicated temporary
 * directory (made now, private to this user, removed at exit) and the exit with the parent — and
 * ends at once on a signal. Returns the remaining arguments and the clean-up to run before exit.
 */
export function adoptLauncher(
  args: readonly string[],
  exit: (code: number) => never,
): { args: string[]; cleanUp(): void } {
  const own = splitLauncherArgs(args);
  const cleanUp = () => {
    if (!own.ownTempDir) return;
    try {
      Deno.removeSync(own.ownTempDir, { recursive: true });
    } catch { /* already gone, or never made */ }
  };
  if (own.ownTempDir) Deno.mkdirSync(own.ownTempDir, { mode: 0o700 });
  if (own.watchParent || own.ownTempDir) {
    for (const signal of SIGNALS) {
      Deno.addSignalListener(signal, () => {
        cleanUp();
        exit(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
      });
    }
  }
  if (own.watchParent) {
    watchParent(() => {
      cleanUp();
      exit(1);
    }, own.watchParent);
  }
  return { args: own.args, cleanUp };
}
