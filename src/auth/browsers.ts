/** Finding the person's installed Chrome, Edge or Chromium; a browser is never downloaded. */

/** Where Chrome, Edge and Chromium install themselves, per OS, in the order they are tried. */
export const KNOWN_BROWSERS: Readonly<Record<"darwin" | "windows" | "linux", readonly string[]>> = {
  darwin: [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
  ],
  windows: [
    "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe",
    "C:\\Program Files\\Chromium\\Application\\chrome.exe",
  ],
  linux: [
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/microsoft-edge",
    "/usr/bin/microsoft-edge-stable",
  ],
};

/** The install paths looked at on `os` (BSDs use the Linux list). */
export function browserCandidates(os: string = Deno.build.os): readonly string[] {
  if (os === "darwin" || os === "windows") return KNOWN_BROWSERS[os];
  return KNOWN_BROWSERS.linux;
}

/** True when `path` is a file; "denied" when this process may not even look (its flags). */
function isFile(path: string): boolean | "denied" {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return "denied";
    }
    return false; // absent
  }
}

/** The browser to run: `explicit` (MCP_BROWSER_PATH) when given, else the first known install. */
export function findBrowser(
  explicit?: string,
  candidates: readonly string[] = browserCandidates(),
  exists: (path: string) => boolean | "denied" = isFile,
): { path?: string; searched: readonly string[]; denied?: boolean } {
  const looked = explicit ? [explicit] : candidates;
  let denied = false;
  for (const path of looked) {
    const found = exists(path);
    if (found === true) return { path, searched: looked };
    if (found === "denied") denied = true;
  }
  return { searched: looked, ...(denied ? { denied } : {}) };
}

/** Why no browser was found, for a sign-in tool's error. */
export function noBrowserMessage(
  found: { searched: readonly string[]; denied?: boolean },
  explicit: string | undefined,
  where = "",
): string {
  if (found.denied) {
    return `This server was started without permission to look for or run a browser${where}`;
  }
  return explicit
    ? `No browser at "${explicit}" (MCP_BROWSER_PATH / --browser-path)`
    : `No Chrome, Edge or Chromium found${where}: looked in ` +
      found.searched.map((p) => `"${p}"`).join(", ");
}
