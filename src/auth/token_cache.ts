/**
 * Remembers, for a minute, which person a token belongs to — keyed by the token's SHA-256, never
 * the token — so stateless HTTP requests that carry a token each time skip `core/person/`.
 */

/** A short-lived map from token digest to the person the ERP said it belongs to. */
export class TokenCache {
  readonly #entries = new Map<string, { email: string; name?: string; at: number }>();

  constructor(
    readonly ttlMs = 60_000,
    readonly maxEntries = 1000,
    readonly now: () => number = Date.now,
  ) {}

  /** The person for `token`, if checked within the TTL. */
  async get(token: string): Promise<{ email: string; name?: string } | undefined> {
    const key = await digest(token);
    const hit = this.#entries.get(key);
    if (!hit || this.now() - hit.at >= this.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return { email: hit.email, name: hit.name };
  }

  /** Records the person the ERP named for `token`. */
  async set(token: string, person: { email: string; name?: string }): Promise<void> {
    const key = await digest(token);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { ...person, at: this.now() });
  }

  /** Forgets `token` (the ERP refused it). */
  async delete(token: string): Promise<void> {
    this.#entries.delete(await digest(token));
  }
}

/**
 * Per-token list caches for stateless HTTP, keyed by the token's digest, so a client that sends
 * its token on every request still gets projects and labels from memory. Bounded; oldest first out.
 */
export class TokenDataStores<T> {
  readonly #stores = new Map<string, T>();

  constructor(readonly make: () => T, readonly maxEntries = 1000) {}

  /** The store for `token`, made on first use. */
  async for(token: string): Promise<T> {
    const key = await digest(token);
    let store = this.#stores.get(key);
    if (store) {
      this.#stores.delete(key); // most recently used goes last
    } else {
      store = this.make();
      if (this.#stores.size >= this.maxEntries) {
        const oldest = this.#stores.keys().next().value;
        if (oldest !== undefined) this.#stores.delete(oldest);
      }
    }
    this.#stores.set(key, store);
    return store;
  }
}

async function digest(token: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}
