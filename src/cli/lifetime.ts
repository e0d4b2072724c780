/**
 * How a server started by the launcher (src/start.ts) ends with it: the launcher's private
 * arguments, the signals passed on, and a watch on the parent process.
 */

/** Arguments only the launcher passes to main.ts and the demo; they come before the person's. */
export const LAUNCHER_ARGS = {
  /** Exit when the launcher goes away (it may be killed without closing the pipe). */
  watchParent: "--exit-with-parent",
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
): { args: string[]; watchParent: boolean; ownTempDir?: string } {
  const rest = [...args];
  let watch = false;
  let ownTempDir: string | undefined;
  while (rest.length) {
    if (rest[0] === LAUNCHER_ARGS.watchParent) watch = true;
    else if (rest[0].startsWith(LAUNCHER_ARGS.ownTempDir)) {
      ownTempDir = rest[0].slice(LAUNCHER_ARGS.ownTempDir.length);
    } else break;
    rest.shift();
  }
  return { args: rest, watchParent: watch, ...(ownTempDir ? { ownTempDir } : {}) };
}

/**
 * Calls `gone` once when this process's parent changes (it died and the process was re-parented),
 * checking every `everyMs` ms; the check never keeps the process alive.
 */
export function watchParent(gone: () => void, everyMs = 500): void {
  const first = Deno.ppid;
  const id = setInterval(() => {
    if (Deno.ppid === first) return;
    clearInterval(id);
    gone();
  }, everyMs);
  Deno.unrefTimer(id);
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
    });
  }
  return { args: own.args, cleanUp };
}
