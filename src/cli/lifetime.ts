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
  /**
   * `--temp-root=<dir>`, baked into compiled executables (whose permissions are fixed at build
   * time, before the user's own temp folder is known): make a private temporary directory inside
   * this fixed one, the only place the executable may write, and remove it at exit.
   */
  tempRoot: "--temp-root=",
} as const;

/** The signals that end the server at once (Windows knows only SIGINT and SIGBREAK). */
export const SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGTERM", "SIGINT", "SIGHUP"];

/** The launcher's private arguments taken off the front of `args`. */
export function splitLauncherArgs(
  args: readonly string[],
): { args: string[]; watchParent?: number; ownTempDir?: string; tempRoot?: string } {
  const rest = [...args];
  let watch: number | undefined;
  let ownTempDir: string | undefined;
  let tempRoot: string | undefined;
  while (rest.length) {
    if (rest[0].startsWith(LAUNCHER_ARGS.watchParent)) {
      watch = Number(rest[0].slice(LAUNCHER_ARGS.watchParent.length)) || undefined;
    } else if (rest[0].startsWith(LAUNCHER_ARGS.ownTempDir)) {
      ownTempDir = rest[0].slice(LAUNCHER_ARGS.ownTempDir.length);
    } else if (rest[0].startsWith(LAUNCHER_ARGS.tempRoot)) {
      tempRoot = rest[0].slice(LAUNCHER_ARGS.tempRoot.length);
    } else break;
    rest.shift();
  }
  return {
    args: rest,
    ...(watch ? { watchParent: watch } : {}),
    ...(ownTempDir ? { ownTempDir } : {}),
    ...(tempRoot ? { tempRoot } : {}),
  };
}

/**
 * Makes a private temporary directory (mode 0700, a fresh random name) inside `root`, a fixed
 * directory in a shared place such as /tmp. `root` is made private to this user when missing;
 * when it exists it must be a real directory (not a link), owned by this user and closed to
 * others, or another user could read or swap the browser profile inside: then it throws an Error
 * whose message says what to do. `me`: this process's user id (null on Windows, where the folder's
 * permissions protect it). Returns the new directory's path.
 */
export function privateTempDir(
  root: string,
  me: number | null = Deno.build.os === "windows" ? null : Deno.uid(),
): string {
  try {
    Deno.mkdirSync(root, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  const info = Deno.lstatSync(root);
  const why = info.isSymlink || !info.isDirectory
    ? "it is not a plain directory"
    : me !== null && info.uid !== me
    ? `it belongs to another user (uid ${info.uid})`
    : info.mode !== null && (info.mode & 0o077) !== 0
    ? `other users may open it (mode ${(info.mode & 0o777).toString(8)})`
    : undefined;
  if (why) {
    throw new Error(
      `Cannot use "${root}" for the browser's temporary profile: ${why}; remove it (another user's copy of this server made it) or run the server from source with \`deno task start\``,
    );
  }
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  const dir = `${root}${sep}run-${crypto.randomUUID().slice(0, 12)}`;
  Deno.mkdirSync(dir, { mode: 0o700 });
  return dir;
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
 * The event dispatched on `globalThis` when the server is told to end (a signal, or the launcher
 * gone). A listener that calls `preventDefault()` promises to wind down (close browsers, remove
 * their profiles) and return from `runCli` within `ENDING_GRACE_MS`; otherwise the process ends
 * at once.
 */
export const ENDING_EVENT = "project-logs-mcp:ending";

/** How long (ms) a server may take to wind down once told to end, before it is ended anyway. */
export const ENDING_GRACE_MS = 5000;

/**
 * Resolves once the process is told to end: one of `SIGNALS`, or `ENDING_EVENT` (which it then
 * takes charge of, see there). `dispose` removes the listeners.
 */
export function untilEnding(): { ended: Promise<void>; dispose(): void } {
  let resolve!: () => void;
  const ended = new Promise<void>((r) => resolve = r);
  const onSignal = () => resolve();
  const onEvent = (event: Event) => {
    event.preventDefault();
    resolve();
  };
  for (const signal of SIGNALS) Deno.addSignalListener(signal, onSignal);
  globalThis.addEventListener(ENDING_EVENT, onEvent);
  return {
    ended,
    dispose() {
      for (const signal of SIGNALS) Deno.removeSignalListener(signal, onSignal);
      globalThis.removeEventListener(ENDING_EVENT, onEvent);
    },
  };
}

/** Waits for `p` at most `ms`; never keeps the process alive by itself. */
export async function boundedWait(p: Promise<unknown>, ms = ENDING_GRACE_MS): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    p.catch(() => {}),
    new Promise<void>((resolve) => {
      const id = setTimeout(resolve, ms);
      Deno.unrefTimer(id);
      timer = id;
    }),
  ]);
  clearTimeout(timer);
}

/**
 * For main.ts and the demo: applies the launcher's private arguments — the dedicated temporary
 * directory (made now, private to this user, removed at exit) and the exit with the parent.
 * Told to end (a signal, the launcher gone), it lets a server that is serving wind down (see
 * `ENDING_EVENT`) for at most `ENDING_GRACE_MS`, else ends at once. Returns the remaining
 * arguments, the clean-up to run before exit, and the exit code an ending asks for.
 */
export function adoptLauncher(
  args: readonly string[],
  exit: (code: number) => never,
): { args: string[]; cleanUp(): void; readonly endCode?: number } {
  const own = splitLauncherArgs(args);
  let endCode: number | undefined;
  const cleanUp = () => {
    if (!own.ownTempDir) return;
    try {
      Deno.removeSync(own.ownTempDir, { recursive: true });
    } catch { /* already gone, or never made */ }
  };
  const end = (code: number) => {
    if (endCode !== undefined) return; // already winding down
    endCode = code;
    const handled = !globalThis.dispatchEvent(new Event(ENDING_EVENT, { cancelable: true }));
    if (!handled) {
      cleanUp();
      exit(code);
    }
    setTimeout(() => {
      cleanUp();
      exit(code);
    }, ENDING_GRACE_MS + 1000);
  };
  if (own.ownTempDir) Deno.mkdirSync(own.ownTempDir, { mode: 0o700 });
  else if (own.tempRoot) {
    try {
      own.ownTempDir = privateTempDir(own.tempRoot);
      // Deno.makeTempDir and playwright-core's os.tmpdir() read these: the profile goes inside.
      for (const name of ["TMPDIR", "TEMP", "TMP"]) Deno.env.set(name, own.ownTempDir);
    } catch (error) {
      // The server still serves; only the ERP browser sign-in cannot make its profile.
      console.error(`warning: ${error instanceof Error ? error.message : error}`);
    }
  }
  if (own.watchParent || own.ownTempDir) {
    for (const signal of SIGNALS) {
      Deno.addSignalListener(signal, () => {
        end(signal === "SIGINT" ? 130 : signal === "SIGHUP" ? 129 : 143);
      });
    }
  }
  if (own.watchParent) watchParent(() => end(1), own.watchParent);
  return {
    args: own.args,
    cleanUp,
    get endCode() {
      return endCode;
    },
  };
}
