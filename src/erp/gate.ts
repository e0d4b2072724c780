/**
 * RequestGate: at most `limit` ERP requests of one session in flight at once; the rest wait in
 * order. One tool call already reads weeks in parallel, and a client may send a batch of many
 * calls in one POST: without a bound, one request could fan out into a thousand at the ERP.
 */
export class RequestGate {
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /** `limit`: requests in flight at once (≥ 1). */
  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`RequestGate limit must be at least 1, not ${limit}`);
  }

  /** Requests in flight now. */
  get active(): number {
    return this.#active;
  }

  /**
   * Runs `fn` once a place is free. A `signal` aborted while waiting rejects with its reason and
   * gives the place up; once `fn` started, it runs to its end.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal | null): Promise<T> {
    if (this.#active >= this.limit) await this.#wait(signal ?? undefined);
    else this.#active++;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next(); // the place passes straight to the next in line
      else this.#active--;
    }
  }

  #wait(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const i = this.#waiting.indexOf(go);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(go);
    });
  }
}
