/**
 * Unit tests of src/auth/session.ts: normalizeToken, cached(), checkEmailArg, and what signOut
 * stops (over a fetch that holds requests until the test answers them).
 */
import assert from "node:assert/strict";
import {
  type Credentials,
  normalizeToken,
  Session,
  TOKEN_SOURCES,
} from "../../src/auth/session.ts";
import { loadConfig } from "../../src/config.ts";
import { UserError } from "../../src/errors.ts";

const KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";

/** A session with a controllable clock and no network. */
function session(clock = { now: 0 }): Session {
  const config = loadConfig([], {
    getEnv: (name) =>
      ({
        ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
        MCP_AUTHORIZED_USERS: "jane@example.com",
      })[
        name
      ],
    readFile: () => undefined,
    defaultAllowlistPath: "authorized_users.json",
    defaultTimeZone: "UTC",
  });
  const fetchFn = (() => Promise.reject(new Error("no network in unit tests"))) as typeof fetch;
  return new Session({ config, fetch: fetchFn, now: () => clock.now });
}

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// --- normalizeToken -------------------------------------------------------------------------

for (
  const [raw, want] of [
    [KEY, KEY],
    [`Token ${KEY}`, KEY],
    [`token ${KEY}`, KEY],
    [`TOKEN   ${KEY}`, KEY],
    [`Bearer ${KEY}`, KEY],
    [`bearer ${KEY}`, KEY],
    [`BeArEr\t${KEY}`, KEY],
    [`  Token ${KEY}  `, KEY],
    [`\n${KEY}\n`, KEY],
    ["Tokenized", "Tokenized"], // a key that merely starts with "Token" keeps it
  ]
) {
  Deno.test(`normalizeToken(${JSON.stringify(raw.replace(KEY, "<key>"))})`, () => {
    assert.equal(normalizeToken(raw), want);
  });
}

for (
  const raw of [
    "",
    "   ",
    `Token ${KEY.slice(0, 20)} ${KEY.slice(20)}`,
    `${KEY.slice(0, 20)}\t${KEY.slice(20)}`,
    "Token Bearer abc",
    "x".repeat(513),
    "Token abc…", // the ellipsis of an example, copied
    "Token ab\u0441d", // a Cyrillic look-alike letter
  ]
) {
  Deno.test(`normalizeToken refuses ${JSON.stringify(raw.length > 40 ? raw.slice(0, 20) + "…" : raw)}`, () => {
    assert.throws(() => normalizeToken(raw), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /^Cannot use that token/);
      if (raw.includes(KEY.slice(0, 20))) assert.ok(!error.message.includes(KEY.slice(0, 20)));
      return true;
    });
  });
}

// A bare prefix ("Token ") is refused here, never sent to the ERP as the key "Token".
for (const raw of ["Token", "Token ", "Bearer    ", "bearer"]) {
  Deno.test(`normalizeToken refuses a bare prefix ${JSON.stringify(raw)}`, () => {
    assert.throws(() => normalizeToken(raw), UserError);
  });
}

// --- cached() -------------------------------------------------------------------------------

Deno.test("cached: concurrent callers share one load", async () => {
  const s = session();
  let loads = 0;
  const d = deferred<string[]>();
  const load = () => {
    loads++;
    return d.promise;
  };
  const a = s.cached("labels", 1000, load);
  const b = s.cached("labels", 1000, load);
  assert.equal(a, b);
  assert.equal(loads, 1);
  d.resolve(["General"]);
  assert.deepEqual(await Promise.all([a, b]), [["General"], ["General"]]);
  assert.deepEqual(await s.cached("labels", 1000, load), ["General"]);
  assert.equal(loads, 1);
});

Deno.test("cached: a value expires after its ttl (injected clock)", async () => {
  const clock = { now: 1_000_000 };
  const s = session(clock);
  let loads = 0;
  const load = () => Promise.resolve(++loads);
  assert.equal(await s.cached("teams", 300, load), 1);
  clock.now += 299;
  assert.equal(await s.cached("teams", 300, load), 1);
  clock.now += 1; // exactly ttl later: stale
  assert.equal(await s.cached("teams", 300, load), 2);
  clock.now += 100;
  assert.equal(await s.cached("teams", 300, load), 2);
  assert.equal(loads, 2);
});

Deno.test("cached: keys are separate", async () => {
  const s = session();
  assert.equal(await s.cached("a", 1000, () => Promise.resolve("A")), "A");
  assert.equal(await s.cached("b", 1000, () => Promise.resolve("B")), "B");
  assert.equal(await s.cached("a", 1000, () => Promise.resolve("other")), "A");
});

Deno.test("cached: a failure is not kept, the next call loads again", async () => {
  const s = session();
  let loads = 0;
  const failing = () => {
    loads++;
    return Promise.reject(new Error("ERP down"));
  };
  await assert.rejects(s.cached("labels", 60_000, failing), /ERP down/);
  assert.equal(await s.cached("labels", 60_000, () => (loads++, Promise.resolve("ok"))), "ok");
  assert.equal(loads, 2);
});

Deno.test("cached: callers waiting on a failing load all see the failure", async () => {
  const s = session();
  const d = deferred<string>();
  const a = s.cached("k", 1000, () => d.promise);
  const b = s.cached("k", 1000, () => Promise.resolve("not called"));
  assert.equal(a, b);
  d.reject(new Error("boom"));
  await assert.rejects(a, /boom/);
  await assert.rejects(b, /boom/);
  assert.equal(await s.cached("k", 1000, () => Promise.resolve("fresh")), "fresh");
});

Deno.test("cached: a failure does not evict a newer value stored under the same key", async () => {
  const clock = { now: 0 };
  const s = session(clock);
  const slow = deferred<string>();
  const first = s.cached("k", 10, () => slow.promise);
  clock.now = 20; // the first load is stale before it settles
  assert.equal(await s.cached("k", 10, () => Promise.resolve("second")), "second");
  slow.reject(new Error("late failure"));
  await assert.rejects(first, /late failure/);
  assert.equal(await s.cached("k", 10, () => Promise.resolve("third")), "second");
});

// --- checkEmailArg --------------------------------------------------------------------------

const CREDS: Credentials = {
  token: KEY,
  email: "jane@example.com",
  method: "token",
  emailVerified: true,
  since: "2026-01-05T00:00:00.000Z",
};

for (const email of [undefined, "", "jane@example.com", "  JANE@Example.com "]) {
  Deno.test(`checkEmailArg accepts ${JSON.stringify(email)} for jane@example.com`, () => {
    session().checkEmailArg(email, CREDS);
  });
}

for (const email of ["john@example.com", "jane@example.org", "default"]) {
  Deno.test(`checkEmailArg refuses "${email}" for jane@example.com`, () => {
    assert.throws(() => session().checkEmailArg(email, CREDS), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.equal(
        error.message,
        `Cannot act for "${email}": this session is signed in as jane@example.com`,
      );
      assert.ok(!error.message.includes(KEY));
      assert.ok(error.hint?.includes("email parameter"));
      return true;
    });
  });
}

// --- signOut stops the identity's requests ----------------------------------------------------

/** A fetch that holds every request until the test answers it, recording method and path. */
function heldFetch() {
  const held: { method: string; path: string; signal?: AbortSignal; answer: () => void }[] = [];
  const fetchFn =
    ((input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        const signal = init?.signal ?? undefined;
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
        held.push({
          method: init?.method ?? "GET",
          path: new URL(String(input)).pathname,
          signal,
          answer: () => resolve(Response.json({ id: 1, email: "jane@example.com" })),
        });
      })) as typeof fetch;
  return { held, fetchFn };
}

/** A session signed in as jane (allowed), over `fetchFn`. */
function signedIn(fetchFn: typeof fetch): Session {
  const s = new Session({ config: session().config, fetch: fetchFn });
  s.accept({ token: KEY, email: "jane@example.com", method: "token", emailVerified: true });
  return s;
}

Deno.test("signOut: a read in flight is aborted with the reason; a write in flight runs to its end", async () => {
  const { held, fetchFn } = heldFetch();
  const s = signedIn(fetchFn);
  const erp = await s.client();
  const read = erp.labels();
  const write = erp.completeWeek(9, true);
  await Promise.resolve();
  assert.deepEqual(held.map((h) => h.method), ["GET", "PATCH"]);
  s.signOut();
  await assert.rejects(read, (error: unknown) => {
    assert.ok(error instanceof UserError);
    assert.match(error.message, /^Stopped: this session signed out while the call was running/);
    return true;
  });
  assert.equal(held[1].signal?.aborted, false, "the sent write is not aborted");
  held[1].answer();
  assert.deepEqual(await write, { id: 1, email: "jane@example.com" });
});

Deno.test("signOut: a write not yet sent is never sent", async () => {
  const { held, fetchFn } = heldFetch();
  const s = signedIn(fetchFn);
  const erp = await s.client();
  s.signOut();
  await assert.rejects(erp.completeWeek(9, false), /signed out while the call was running/);
  await assert.rejects(erp.addFromSlack("jane@example.com", []), /signed out/);
  assert.equal(held.length, 0, "no request left the server");
});

Deno.test("signOut: a sign-in still checking its token keeps nothing", async () => {
  const { held, fetchFn } = heldFetch();
  const s = new Session({ config: session().config, fetch: fetchFn });
  const verifying = s.verify(KEY, undefined, "token");
  await Promise.resolve();
  await Promise.resolve();
  s.signOut();
  held[0]?.answer();
  await assert.rejects(verifying, /signed out while the call was running/);
  assert.equal(s.credentials, undefined);
});

Deno.test("another person signing in on the session stops the previous person's reads", async () => {
  const { held, fetchFn } = heldFetch();
  const s = new Session({
    config: loadConfig([], {
      getEnv: (name) =>
        ({
          ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
          MCP_AUTHORIZED_USERS: "@example.com",
        })[name],
      readFile: () => undefined,
      defaultAllowlistPath: "authorized_users.json",
      defaultTimeZone: "UTC",
    }),
    fetch: fetchFn,
  });
  s.accept({ token: KEY, email: "jane@example.com", method: "token", emailVerified: true });
  const read = (await s.client()).labels();
  await Promise.resolve();
  s.accept({ token: "other", email: "john@example.com", method: "token", emailVerified: true });
  await assert.rejects(read, /signed in as someone else \(john@example\.com\)/);
  assert.equal(held.length, 1);
});

Deno.test("tokenSource names where the token came from; never the token", () => {
  const s = session();
  assert.equal(s.tokenSource, undefined);
  s.presetToken(KEY, "header");
  assert.equal(s.tokenSource, "the request's Authorization header");
  s.accept({ token: KEY, email: "jane@example.com", method: "environment", emailVerified: true });
  assert.equal(s.tokenSource, "ERP_API_TOKEN in the server's configuration");
  for (const [method, text] of Object.entries(TOKEN_SOURCES)) {
    assert.ok(!text.includes(KEY), method);
  }
});
