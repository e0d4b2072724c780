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

/** True when `path` is a file this process may see. */
function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false; // absent, or outside what the process may read
  }
}

/** The browser to run: `explicit` (MCP_BROWSER_PATH) when given, else the first known install. */
export function findBrowser(
  explicit?: string,
  candidates: readonly string[] = browserCandidates(),
  exists: (path: string) => boolean = isFile,
): { path?: string; searched: readonly string[] } {
  if (explicit) return { path: exists(explicit) ? explicit : undefined, searched: [explicit] };
  return { path: candidates.find(exists), searched: candidates };
}
