/** The few ways an ERP call fails, mapped once from HTTP so tools can say what to do next. */

/** What kind of failure an ERP call met. */
export type ErpErrorKind =
  | "unauthorized" // 401: token missing, wrong or expired
  | "forbidden" // 403
  | "not_found" // 404
  | "conflict" // 409: someone else saved first
  | "validation" // 400 / 422: the ERP refused the data
  | "rate_limited" // 429
  | "unavailable" // 5xx, a non-JSON answer, or no connection
  | "timeout"; // no answer in time

/** A failed ERP call: its kind, HTTP status (0 when there was no answer) and the ERP's own words. */
export class ErpError extends Error {
  constructor(
    readonly kind: ErpErrorKind,
    message: string,
    readonly status = 0,
    /** The ERP's own message, when it gave one. */
    readonly erpMessage?: string,
    /** The ERP's machine-readable code (`error` field), when it gave one. */
    readonly erpCode?: string,
  ) {
    super(message);
    this.name = "ErpError";
  }

  /** True when the request may have reached the ERP and its effect is unknown. */
  get outcomeUnknown(): boolean {
    return this.kind === "timeout" || (this.kind === "unavailable" && this.status !== 503);
  }
}

/** Turns a DRF error body into one readable sentence: `detail`, `error`, or a field map. */
export function erpMessageOf(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim() || undefined;
  if (Array.isArray(body)) {
    const parts = body.map(erpMessageOf).filter((p): p is string => !!p);
    return parts.length ? parts.join("; ") : undefined;
  }
  if (!body || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  if (typeof record.detail === "string") return record.detail;
  if (typeof record.message === "string") return record.message;
  if (typeof record.error === "string" && !record.detail) return record.error;
  const parts: string[] = [];
  for (const [field, value] of Object.entries(record)) {
    const text = erpMessageOf(value);
    if (!text) continue;
    parts.push(field === "non_field_errors" ? text : `${field}: ${text}`);
  }
  return parts.length ? parts.join("; ") : undefined;
}

/** The error kind for an HTTP status. */
export function kindOfStatus(status: number): ErpErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "validation";
}
