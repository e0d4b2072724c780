/** Logs for people running the server: one line each, to stderr (stdout belongs to MCP). */

/** Where log lines go. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

const SECRET = /((?:token|bearer)[\s"':=]+)[A-Za-z0-9._~+/=-]{8,}/gi;

/** Removes anything shaped like a token from a line before it is written. */
export function redact(text: string): string {
  return text.replace(SECRET, "$1[redacted]").replace(
    /access_token=[^&#\s]+/gi,
    "access_token=[redacted]",
  );
}

/** A logger writing redacted lines through `write` (stderr in production). */
export function createLogger(write: (line: string) => void, debug = false): Logger {
  const emit = (level: string, message: string) =>
    write(redact(`${new Date().toISOString()} ${level} ${message}`));
  return {
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m, error) => {
      const detail = error instanceof Error
        ? (debug ? error.stack ?? error.message : `${error.name}: ${error.message}`)
        : error === undefined
        ? ""
        : String(error);
      emit("error", detail ? `${m}: ${detail}` : m);
    },
  };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
