/** The bookkeeping of one browser sign-in attempt: settled once, with one outcome. */
import type { SignInAttempt, SignInOutcome } from "./session.ts";

/** What starts an attempt. */
export interface AttemptInit {
  method: SignInAttempt["method"];
  url?: string;
  timeoutMs: number;
  /** Stops whatever the attempt runs (listener, browser) when it is cancelled. */
  onCancel?: () => Promise<unknown> | void;
}

/** A pending sign-in; `settle` records the outcome at once and resolves `done` when cleaned up. */
export class Attempt implements SignInAttempt {
  readonly method: SignInAttempt["method"];
  readonly url?: string;
  readonly expiresAt: string;
  readonly done: Promise<SignInOutcome>;
  #outcome?: SignInOutcome;
  #resolve!: (outcome: SignInOutcome) => void;
  readonly #onCancel?: () => Promise<unknown> | void;

  constructor(init: AttemptInit) {
    this.method = init.method;
    this.url = init.url;
    this.expiresAt = new Date(Date.now() + init.timeoutMs).toISOString();
    this.#onCancel = init.onCancel;
    this.done = new Promise((resolve) => this.#resolve = resolve);
  }

  /** Undefined while pending. */
  get outcome(): SignInOutcome | undefined {
    return this.#outcome;
  }

  /** Records the outcome (the first one wins); `done` resolves once `cleanup` has finished. */
  settle(outcome: SignInOutcome, cleanup?: Promise<unknown>): boolean {
    if (this.#outcome) return false;
    this.#outcome = Object.freeze({ ...outcome });
    const resolve = () => this.#resolve(this.#outcome!);
    if (cleanup) cleanup.then(resolve, resolve);
    else resolve();
    return true;
  }

  /** Ends the attempt now, if still pending. */
  cancel(): void {
    if (this.#outcome) return;
    const cleanup = this.#onCancel?.();
    this.settle(
      { status: "cancelled", message: "The sign-in was cancelled" },
      cleanup ?? undefined,
    );
  }
}

/** Waits for `p` at most `ms`, or until `signal` aborts; undefined when it did not settle. */
export async function waitAtMost<T>(
  p: Promise<T>,
  ms: number,
  signal?: AbortSignal,
): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = () => {};
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
        onAbort = () => resolve(undefined);
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}
