/** Unit tests of src/erp/client.ts with an injected `fetch`: requests, error mapping, retries. */
import assert from "node:assert/strict";
import {
  DEFAULT_MAX_BODY_BYTES,
  ErpClient,
  type ErpClientOptions,
  redactSecrets,
} from "../../src/erp/client.ts";
import { ErpError, type ErpErrorKind } from "../../src/erp/errors.ts";
import { parseWeekLog, ShapeError } from "../../src/erp/types.ts";

/** A typed table of test cases. */
const table = <T>(rows: T[]): T[] => rows;

const BASE = "https://erp.example.com/api/v1/";
const TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b";

type Handler = (req: Request, attempt: number) => Response | Promise<Response>;

/** A client whose fetch records each request and answers with `handler`. */
function clientWith(handler: Handler, opts: Partial<ErpClientOptions> = {}) {
  const requests: Request[] = [];
  const fetchFn = (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    requests.push(req);
    return Promise.resolve(handler(req, requests.length));
  };
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 5_000,
    retryDelaysMs: [1, 1],
    fetch: fetchFn as typeof fetch,
    ...opts,
  });
  return { client, requests };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const HTML_502 =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>" +
  "<script>alert(1)</script></body></html>";

/** Awaits `promise`, expecting an ErpError, and returns it. */
async function erpErrorOf(promise: Promise<unknown>): Promise<ErpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ErpError, `expected an ErpError, got ${error}`);
    assert.ok(!error.message.includes(TOKEN), `the token leaked into: ${error.message}`);
    assert.ok(!String(error.erpMessage ?? "").includes(TOKEN));
    return error;
  }
  assert.fail("expected the call to fail");
}

const WEEK = {
  id: 382332,
  week_starting: "Mon, Jan 05",
  week_ending: "Sun, Jan 11",
  year: 2026,
  is_completed: false,
  modified_at: "2026-01-06T09:12:44.120Z",
  projects: [{
    id: 5501,
    team: "Client X / Backend",
    subteam: "Backend",
    tasks: [{
      id: 9001,
      description: "Feature work",
      days: [{
        id: 70001,
        date: "2026-01-05",
        hours: 8,
        minutes: 0,
        decimal_hours: "8.00",
        label: 34,
      }],
    }],
  }],
};

// --- requests -------------------------------------------------------------------------------

Deno.test("client sends Authorization: Token <key> and Accept JSON", async () => {
  const { client, requests } = clientWith(() =>
    json({ id: 17, email: "jane@example.com", name: "Jane Doe" })
  );
  const person = await client.person();
  assert.deepEqual(person, { id: 17, email: "jane@example.com", name: "Jane Doe" });
  assert.equal(requests.length, 1);
  const [req] = requests;
  assert.equal(req.method, "GET");
  assert.equal(req.url, `${BASE}core/person/`);
  assert.equal(req.headers.get("authorization"), `Token ${TOKEN}`);
  assert.equal(req.headers.get("accept"), "application/json");
  assert.equal(req.headers.get("content-type"), null);
  assert.equal(req.redirect, "manual");
});

for (
  const c of table<
    { name: string; call: (c: ErpClient) => Promise<unknown>; answer: unknown; url: string }
  >([
    {
      name: "listWeeks",
      call: (c) => c.listWeeks(2026),
      answer: [],
      url: `${BASE}project-logs/person/list/?year=2026`,
    },
    {
      name: "monthList",
      call: (c) => c.monthList(2026, 1),
      answer: { results: [] },
      url: `${BASE}project-logs/person/month-list/?year=2026&month=1`,
    },
    {
      name: "getWeek",
      call: (c) => c.getWeek(382332, "2026-01-05"),
      answer: WEEK,
      url: `${BASE}project-logs/person/get/382332/`,
    },
    {
      name: "activeProjects",
      call: (c) => c.activeProjects(),
      answer: [],
      url: `${BASE}project-logs/person/active_project_list/`,
    },
    {
      name: "labels",
      call: (c) => c.labels(),
      answer: [],
      url: `${BASE}project-logs/log_labels/`,
    },
  ])
) {
  Deno.test(`client URL: ${c.name} GETs ${c.url.slice(BASE.length)}`, async () => {
    const { client, requests } = clientWith(() => json(c.answer));
    await c.call(client);
    assert.equal(requests.length, 1);
    assert.equal(requests[0].method, "GET");
    assert.equal(requests[0].url, c.url);
  });
}

Deno.test("client parses the answers it reads", async () => {
  const { client } = clientWith((req) => {
    const path = new URL(req.url).pathname;
    if (path.endsWith("/list/")) {
      return json({
        person_week_logs: [{
          months_log: [{ id: 900, week_starting: "Mon, Dec 29", week_ending: "Sun, Jan 04" }],
        }],
      });
    }
    if (path.endsWith("/active_project_list/")) {
      return json([{ id: 41, team: "Client X / Backend", subteam: "Backend", is_active: true }]);
    }
    if (path.endsWith("/log_labels/")) return json([{ id: 66, name: "General" }]);
    return json(WEEK);
  });
  assert.deepEqual(await client.listWeeks(2026), [
    { id: 900, monday: "2025-12-29", isCompleted: false, totalMinutes: undefined },
  ]);
  assert.deepEqual(await client.activeProjects(), [
    { id: 41, team: "Client X / Backend", subteam: "Backend", isActive: true },
  ]);
  assert.deepEqual(await client.labels(), [{ id: 66, name: "General" }]);
  const week = await client.getWeek(382332, "2026-01-05");
  assert.equal(week.monday, "2026-01-05");
  assert.equal(week.projects[0].tasks[0].days[0].minutes, 480);
});

Deno.test("saveWeek PATCHes the whole week as JSON and parses the answer", async () => {
  const { client, requests } = clientWith(async (req) => {
    const body = await req.json();
    return json({ ...body, modified_at: "2026-01-06T10:00:00.000Z" });
  });
  const week = parseWeekLog(structuredClone(WEEK), "2026-01-05");
  week.projects[0].tasks[0].days.push({ date: "2026-01-06", minutes: 492, label: 35 });
  const saved = await client.saveWeek(week);
  assert.equal(requests.length, 1);
  const [req] = requests;
  assert.equal(req.method, "PATCH");
  assert.equal(req.url, `${BASE}project-logs/person/person-week-log/save/382332/`);
  assert.equal(req.headers.get("content-type"), "application/json");
  assert.equal(req.headers.get("authorization"), `Token ${TOKEN}`);
  assert.equal(saved.modifiedAt, "2026-01-06T10:00:00.000Z");
  assert.deepEqual(saved.projects[0].tasks[0].days[1], {
    id: undefined,
    date: "2026-01-06",
    minutes: 492,
    label: 35,
  });
});

Deno.test("completeWeek and addFromSlack send their bodies", async () => {
  const bodies: unknown[] = [];
  const { client, requests } = clientWith(async (req) => {
    bodies.push(await req.json());
    return json({ ok: true });
  });
  await client.completeWeek(382332, false);
  const logs = [{
    date: "2026-01-05",
    time_spent: "08:12",
    description: "Feature work",
    subteam: 41,
    label_id: 34,
  }];
  await client.addFromSlack("jane@example.com", logs);
  assert.deepEqual(requests.map((r) => [r.method, r.url]), [
    ["PATCH", `${BASE}project-logs/person/person-week-log/complete/382332/`],
    ["POST", `${BASE}project-logs/person/person-week-log-from-slack/`],
  ]);
  assert.deepEqual(bodies, [{ save_draft: false }, { email: "jane@example.com", logs }]);
});

Deno.test("googleLogin posts without Authorization and returns the ERP token", async () => {
  const { client, requests } = clientWith(
    () => json({ token: "erp-token-xyz", email: "jane@example.com", name: "Jane Doe" }),
    { token: undefined },
  );
  const out = await client.googleLogin("ya29.google-access");
  assert.deepEqual(out, { token: "erp-token-xyz", email: "jane@example.com", name: "Jane Doe" });
  const [req] = requests;
  assert.equal(req.method, "POST");
  assert.equal(req.url, `${BASE}core/google-login/`);
  assert.equal(req.headers.get("authorization"), null);
  assert.deepEqual(await req.json(), { platform: "google", access_token: "ya29.google-access" });
});

Deno.test("googleLogin without a token in the answer fails", async () => {
  const { client } = clientWith(() => json({ email: "jane@example.com" }), { token: undefined });
  const error = await erpErrorOf(client.googleLogin("x"));
  assert.equal(error.kind, "unavailable");
});

Deno.test("without a token, no request is made", async () => {
  const { client, requests } = clientWith(() => json({}), { token: undefined });
  const error = await erpErrorOf(client.person());
  assert.equal(error.kind, "unauthorized");
  assert.equal(error.message, "Not signed in to the ERP");
  assert.equal(requests.length, 0);
});

// --- error mapping --------------------------------------------------------------------------

for (
  const c of table<{
    status: number;
    body: unknown;
    kind: ErpErrorKind;
    erp: string;
    code?: string;
    write?: boolean;
  }>([
    {
      status: 401,
      body: { detail: "Invalid token." },
      kind: "unauthorized",
      erp: "Invalid token.",
    },
    {
      status: 403,
      body: { detail: "You do not have permission to perform this action." },
      kind: "forbidden",
      erp: "You do not have permission to perform this action.",
    },
    { status: 404, body: { detail: "Not found." }, kind: "not_found", erp: "Not found." },
    {
      status: 409,
      body: { detail: "This week log was modified by someone else. Reload and try again." },
      kind: "conflict",
      erp: "This week log was modified by someone else. Reload and try again.",
      write: true,
    },
    {
      status: 400,
      body: {
        error: "UNAUTHORIZED_PROJECT_ACCESS",
        detail: "Request unsuccessful. You are not part of the project(s)",
      },
      kind: "validation",
      erp: "Request unsuccessful. You are not part of the project(s)",
      code: "UNAUTHORIZED_PROJECT_ACCESS",
      write: true,
    },
    {
      status: 400,
      body: { days: [{ hours: ["A day cannot hold more than 24 hours."] }] },
      kind: "validation",
      erp: "days: hours: A day cannot hold more than 24 hours.",
      write: true,
    },
    {
      status: 429,
      body: { detail: "Request was throttled. Expected available in 12 seconds." },
      kind: "rate_limited",
      erp: "Request was throttled. Expected available in 12 seconds.",
    },
    {
      status: 502,
      body: { detail: "Upstream failed." },
      kind: "unavailable",
      erp: "Upstream failed.",
    },
  ])
) {
  const method = c.write ? "PATCH save" : "GET get";
  Deno.test(`client maps ${c.status} (${method}) to ${c.kind} with the ERP's message`, async () => {
    const { client } = clientWith(() => json(c.body, c.status));
    const call = c.write
      ? client.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05"))
      : client.getWeek(382332, "2026-01-05");
    const error = await erpErrorOf(call);
    assert.equal(error.kind, c.kind);
    assert.equal(error.status, c.status);
    assert.equal(error.erpMessage, c.erp);
    assert.equal(error.erpCode, c.code);
    const path = c.write
      ? "PATCH project-logs/person/person-week-log/save/382332/"
      : "GET project-logs/person/get/382332/";
    assert.equal(error.message, `ERP answered ${c.status} to ${path}: ${c.erp}`);
  });
}

Deno.test("an error without a body still names the status", async () => {
  const { client } = clientWith(() => new Response(null, { status: 404 }));
  const error = await erpErrorOf(client.getWeek(1, "2026-01-05"));
  assert.equal(error.kind, "not_found");
  assert.equal(error.message, "ERP answered 404 to GET project-logs/person/get/1/");
  assert.equal(error.erpMessage, undefined);
});

Deno.test("an HTML 502 page becomes a short message without the HTML", async () => {
  const { client, requests } = clientWith(() =>
    new Response(HTML_502, { status: 502, headers: { "content-type": "text/html" } })
  );
  const error = await erpErrorOf(client.getWeek(382332, "2026-01-05"));
  assert.equal(error.kind, "unavailable");
  assert.equal(error.status, 502);
  assert.match(error.message, /^ERP answered 502 with a non-JSON body/);
  assert.ok(!/[<>]|html|Bad Gateway|script/i.test(error.message), error.message);
  assert.equal(error.erpMessage, undefined);
  assert.equal(requests.length, 3); // a read: retried twice
});

Deno.test("an HTML page with status 200 (a login page) is unavailable, not data", async () => {
  const { client } = clientWith(() =>
    new Response("<html><body>Sign in</body></html>", { headers: { "content-type": "text/html" } })
  );
  const error = await erpErrorOf(client.person());
  assert.equal(error.kind, "unavailable");
  assert.match(error.message, /^ERP answered 200 with a non-JSON body/);
  assert.ok(!error.message.includes("<"));
});

Deno.test("an HTML 400 debug page keeps its kind but not its text", async () => {
  const { client } = clientWith(() =>
    new Response("<html>Traceback ... secret stuff</html>", { status: 400 })
  );
  const error = await erpErrorOf(
    client.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05")),
  );
  assert.equal(error.kind, "validation");
  assert.match(error.message, /^ERP answered 400 with a non-JSON body/);
  assert.ok(!error.message.includes("Traceback"));
});

Deno.test("a redirect is not followed and says to check ERP_API_BASE_URL", async () => {
  const { client, requests } = clientWith(() =>
    new Response(null, { status: 302, headers: { location: "https://erp.example.com/login/" } })
  );
  const error = await erpErrorOf(client.person());
  assert.equal(error.kind, "unavailable");
  assert.equal(error.status, 302);
  assert.match(error.message, /redirect \(302\); check ERP_API_BASE_URL/);
  assert.equal(requests.length, 1);
});

Deno.test("an empty 200 body is fine (204-like answers)", async () => {
  const { client } = clientWith(() => new Response(null, { status: 204 }));
  assert.equal(await client.completeWeek(1, true), undefined);
});

// --- retries --------------------------------------------------------------------------------

Deno.test("a GET is retried on 503 and then succeeds", async () => {
  const { client, requests } = clientWith((_req, attempt) =>
    attempt === 1
      ? json({ detail: "Service unavailable" }, 503)
      : json([{ id: 66, name: "General" }])
  );
  assert.deepEqual(await client.labels(), [{ id: 66, name: "General" }]);
  assert.equal(requests.length, 2);
  assert.ok(requests.every((r) => r.method === "GET"));
});

Deno.test("a GET gives up after the retry delays run out", async () => {
  const { client, requests } = clientWith(() => json({ detail: "Down" }, 503));
  const error = await erpErrorOf(client.labels());
  assert.equal(error.kind, "unavailable");
  assert.equal(error.status, 503);
  assert.equal(requests.length, 3);
});

Deno.test("a GET that meets a network error is retried", async () => {
  let attempts = 0;
  const fetchFn = (() => {
    attempts++;
    if (attempts < 3) {
      return Promise.reject(new TypeError("error sending request: connection refused"));
    }
    return Promise.resolve(json([]));
  }) as typeof fetch;
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 5_000,
    retryDelaysMs: [1, 1],
    fetch: fetchFn,
  });
  assert.deepEqual(await client.labels(), []);
  assert.equal(attempts, 3);
});

Deno.test("no connection at all: unavailable, names the ERP origin, not the token", async () => {
  const fetchFn =
    (() =>
      Promise.reject(new TypeError("error sending request: connection refused"))) as typeof fetch;
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 5_000,
    retryDelaysMs: [1, 1],
    fetch: fetchFn,
  });
  const error = await erpErrorOf(client.person());
  assert.equal(error.kind, "unavailable");
  assert.equal(error.status, 0);
  assert.equal(
    error.message,
    "Cannot reach the ERP at https://erp.example.com: error sending request: connection refused",
  );
});

for (const status of [409, 400, 401, 403, 404, 429]) {
  Deno.test(`a GET answered ${status} is not retried`, async () => {
    const { client, requests } = clientWith(() => json({ detail: "no" }, status));
    await erpErrorOf(client.getWeek(1, "2026-01-05"));
    assert.equal(requests.length, 1);
  });
}

for (
  const c of table<{ name: string; call: (c: ErpClient) => Promise<unknown> }>([
    {
      name: "saveWeek (PATCH)",
      call: (c) => c.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05")),
    },
    { name: "completeWeek (PATCH)", call: (c) => c.completeWeek(382332, false) },
    { name: "addFromSlack (POST)", call: (c) => c.addFromSlack("jane@example.com", []) },
  ])
) {
  for (const status of [502, 503, 504]) {
    Deno.test(`${c.name} is never retried, even on ${status}`, async () => {
      const { client, requests } = clientWith(() => json({ detail: "Down" }, status));
      const error = await erpErrorOf(c.call(client));
      assert.equal(error.kind, "unavailable");
      assert.equal(requests.length, 1);
    });
  }
  Deno.test(`${c.name} is never retried after a network error`, async () => {
    let attempts = 0;
    const fetchFn = (() => {
      attempts++;
      return Promise.reject(new TypeError("connection reset"));
    }) as typeof fetch;
    const client = new ErpClient({
      baseUrl: BASE,
      token: TOKEN,
      timeoutMs: 5_000,
      retryDelaysMs: [1, 1],
      fetch: fetchFn,
    });
    const error = await erpErrorOf(c.call(client));
    assert.equal(error.kind, "unavailable");
    assert.equal(error.outcomeUnknown, true);
    assert.equal(attempts, 1);
  });
}

// --- timeout and cancellation ---------------------------------------------------------------

/** A fetch that never answers: it only rejects when its signal aborts. */
function hangingFetch(counter: { calls: number }): typeof fetch {
  return ((_input: string | URL | Request, init?: RequestInit) => {
    counter.calls++;
    return new Promise((_resolve, reject) => {
      const signal = init?.signal;
      if (!signal) return;
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }) as typeof fetch;
}

Deno.test("no answer within timeoutMs gives kind timeout, and a read is not retried", async () => {
  const counter = { calls: 0 };
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 20,
    retryDelaysMs: [1, 1],
    fetch: hangingFetch(counter),
  });
  const error = await erpErrorOf(client.getWeek(382332, "2026-01-05"));
  assert.equal(error.kind, "timeout");
  assert.equal(error.status, 0);
  assert.equal(error.outcomeUnknown, true);
  assert.match(
    error.message,
    /^ERP did not answer GET project-logs\/person\/get\/382332\/ within 0\.02 s/,
  );
  assert.equal(counter.calls, 1);
});

Deno.test("a PATCH that times out is kind timeout (outcome unknown)", async () => {
  const counter = { calls: 0 };
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 20,
    fetch: hangingFetch(counter),
  });
  const error = await erpErrorOf(client.completeWeek(1, false));
  assert.equal(error.kind, "timeout");
  assert.equal(counter.calls, 1);
});

Deno.test("the caller's cancellation is passed through, not turned into an ErpError", async () => {
  const counter = { calls: 0 };
  const controller = new AbortController();
  const client = new ErpClient({
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 5_000,
    fetch: hangingFetch(counter),
  }).withSignal(controller.signal);
  const pending = client.person();
  const reason = new Error("cancelled by the client");
  setTimeout(() => controller.abort(reason), 5);
  await assert.rejects(pending, (error: unknown) => error === reason);
  assert.equal(counter.calls, 1);
});

// --- the token stays secret -----------------------------------------------------------------

Deno.test("the token appears in no error message of any failure", async () => {
  const answers: (() => Response | Promise<Response>)[] = [
    () => json({ detail: "Invalid token." }, 401),
    () => json({ detail: "Forbidden." }, 403),
    () => json({ detail: "Not found." }, 404),
    () => json({ detail: "Conflict." }, 409),
    () => json({ hours: ["bad"] }, 400),
    () => json({ detail: "Slow down." }, 429),
    () => new Response(HTML_502, { status: 502 }),
    () => new Response(null, { status: 301, headers: { location: "/x" } }),
    () => new Response("not json"),
    () => Promise.reject(new TypeError("connection refused")),
  ];
  for (const answer of answers) {
    const { client } = clientWith(answer);
    const calls = [
      () => client.person(),
      () => client.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05")),
    ];
    for (const call of calls) {
      const error = await erpErrorOf(call()); // checks the token is absent
      assert.ok(!JSON.stringify({ ...error, message: error.message }).includes(TOKEN));
    }
  }
});

Deno.test("an ERP error that echoes the token, a Bearer key or the Authorization header is redacted", async () => {
  const echoes = [
    { detail: `Bad request. Authorization: Token ${TOKEN}` },
    { detail: `Bad request. Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123` },
    { hours: ["bad"], request: [`Authorization: Token ${TOKEN}`] },
    { error: `BAD_TOKEN ${TOKEN}`, detail: "Refused." },
    { detail: `Unknown key ${TOKEN.slice(0, 10)}${TOKEN.slice(10)}` },
  ];
  for (const body of echoes) {
    const { client } = clientWith(() => json(body, 400));
    const error = await erpErrorOf(
      client.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05")),
    );
    assert.equal(error.kind, "validation");
    for (const text of [error.message, error.erpMessage ?? "", error.erpCode ?? ""]) {
      assert.ok(!text.includes(TOKEN), text);
      assert.ok(!text.includes("abcdefghijklmnopqrstuvwxyz0123"), text);
    }
    assert.match(`${error.message} ${error.erpCode}`, /\[redacted\]/);
  }
});

Deno.test("the Google access token is kept out of a google-login error too", async () => {
  const google = "ya29.a0AfH6SMBx-secret-google-token";
  const { client } = clientWith(() => json({ detail: `Invalid token ${google}` }, 400));
  const error = await erpErrorOf(client.googleLogin(google));
  assert.ok(!error.message.includes(google), error.message);
  assert.ok(!(error.erpMessage ?? "").includes(google));
});

for (
  const c of table<{ text: string; want: string }>([
    {
      text: `Authorization: Token ${TOKEN}`,
      want: "Authorization: Token [redacted]",
    },
    { text: "authorization=Bearer abc.def-123_456", want: "authorization=Bearer [redacted]" },
    { text: '{"access_token": "ya29.a0AfH6SMB"}', want: '{"access_token": "[redacted]"}' },
    { text: "Invalid token header. No credentials provided.", want: "same" },
    { text: "Token string should not contain spaces.", want: "same" },
    { text: "Week log is already completed.", want: "same" },
    { text: "secret-key-of-the-session was used", want: "[redacted] was used" },
  ])
) {
  Deno.test(`redactSecrets: ${JSON.stringify(c.text)}`, () => {
    const want = c.want === "same" ? c.text : c.want;
    assert.equal(redactSecrets(c.text, ["secret-key-of-the-session"]), want);
  });
}

// --- size cap -------------------------------------------------------------------------------

/** A streamed answer of `total` bytes with no Content-Length; `sent` counts what was pulled. */
function streamed(total: number, sent: { bytes: number }, chunk = 64 * 1024): Response {
  const piece = new Uint8Array(chunk).fill(0x20);
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent.bytes >= total) return controller.close();
        const n = Math.min(chunk, total - sent.bytes);
        sent.bytes += n;
        controller.enqueue(n === chunk ? piece : piece.slice(0, n));
      },
    }),
    { status: 200, headers: { "content-type": "application/json" } },
  );
}

Deno.test("a 64 MiB streamed answer stops being read just past the 4 MiB cap", async () => {
  const sent = { bytes: 0 };
  const { client } = clientWith(() => streamed(64 * 1024 * 1024, sent));
  const error = await erpErrorOf(client.listWeeks(2026));
  assert.equal(error.kind, "unavailable");
  assert.match(
    error.message,
    /^ERP answered GET project-logs\/person\/list\/ with a body over 4 MiB/,
  );
  assert.ok(sent.bytes <= DEFAULT_MAX_BODY_BYTES + 2 * 64 * 1024, `read ${sent.bytes} bytes`);
});

Deno.test("a declared Content-Length over the cap is refused before reading", async () => {
  const sent = { bytes: 0 };
  const { client } = clientWith(() => {
    const r = streamed(10_000, sent, 100);
    return new Response(r.body, { headers: { "content-length": "10000" } });
  }, { maxBodyBytes: 1000 });
  const error = await erpErrorOf(client.labels());
  assert.match(error.message, /with a body over 1000 bytes/);
  assert.ok(sent.bytes <= 200, `read ${sent.bytes} bytes`);
});

Deno.test("maxBodyBytes is set in the constructor: under it reads, over it fails", async () => {
  const body = JSON.stringify([{ id: 66, name: "x".repeat(900) }]);
  const small = clientWith(() => json(JSON.parse(body)), { maxBodyBytes: 2048 });
  assert.equal((await small.client.labels()).length, 1);
  const tiny = clientWith(() => json(JSON.parse(body)), { maxBodyBytes: 512 });
  const error = await erpErrorOf(tiny.client.labels());
  assert.match(error.message, /over 512 bytes/);
});

// --- save answers other than the week log ---------------------------------------------------

for (
  const c of table<{ name: string; answer: () => Response }>([
    { name: '{"saved": true}', answer: () => json({ saved: true }) },
    { name: '{"status": "ok"}', answer: () => json({ status: "ok" }) },
    { name: "an empty 204", answer: () => new Response(null, { status: 204 }) },
    { name: "an empty 200", answer: () => new Response("", { status: 200 }) },
    {
      name: "a week log of another week",
      answer: () => json({ ...WEEK, week_starting: "Mon, Jan 12", week_ending: "Sun, Jan 18" }),
    },
  ])
) {
  Deno.test(`saveWeek answered ${c.name} re-reads the week and answers what is stored`, async () => {
    const storedWeek = structuredClone(WEEK);
    storedWeek.modified_at = "2026-01-06T11:00:00.000Z";
    storedWeek.projects[0].tasks[0].days.push({
      id: 70002,
      date: "2026-01-06",
      hours: 1,
      minutes: 30,
      decimal_hours: "1.50",
      label: 35,
    });
    const { client, requests } = clientWith((req) =>
      req.method === "PATCH" ? c.answer() : json(storedWeek)
    );
    const week = parseWeekLog(structuredClone(WEEK), "2026-01-05");
    const saved = await client.saveWeek(week);
    assert.deepEqual(requests.map((r) => `${r.method} ${new URL(r.url).pathname}`), [
      "PATCH /api/v1/project-logs/person/person-week-log/save/382332/",
      "GET /api/v1/project-logs/person/get/382332/",
    ]);
    assert.equal(saved.modifiedAt, "2026-01-06T11:00:00.000Z");
    assert.deepEqual(saved.projects[0].tasks[0].days.map((d) => [d.id, d.minutes]), [
      [70001, 480],
      [70002, 90],
    ]);
  });
}

Deno.test("saveWeek: a save whose re-read fails is unavailable with an unknown outcome", async () => {
  const { client } = clientWith((req) =>
    req.method === "PATCH" ? json({ saved: true }) : json({ detail: "Down." }, 503)
  );
  const error = await erpErrorOf(
    client.saveWeek(parseWeekLog(structuredClone(WEEK), "2026-01-05")),
  );
  assert.equal(error.kind, "unavailable");
  assert.equal(error.outcomeUnknown, true);
  assert.match(error.message, /accepted the save of the week of 2026-01-05/);
});

// --- the week asked for ---------------------------------------------------------------------

Deno.test("getWeek reads a yearless detail relative to the Monday asked for, never the clock", async () => {
  const yearless = (starting: string, ending: string, day: string) => ({
    ...structuredClone(WEEK),
    year: undefined,
    week_starting: starting,
    week_ending: ending,
    projects: [{
      ...WEEK.projects[0],
      tasks: [{
        ...WEEK.projects[0].tasks[0],
        days: [{ ...WEEK.projects[0].tasks[0].days[0], date: day }],
      }],
    }],
  });
  const { client } = clientWith((req) =>
    new URL(req.url).pathname.includes("/get/1/")
      ? json(yearless("Mon, Dec 25", "Sun, Dec 31", "Wed, Dec 27"))
      : json(yearless("Mon, Dec 31", "Sun, Jan 06", "Sun, Jan 06"))
  );
  // Every year from 2010 to 2045 whose Dec 25 is a Monday, all written "Mon, Dec 25".
  const mondays = Array.from({ length: 36 }, (_, i) => Temporal.PlainDate.from(`${2010 + i}-12-25`))
    .filter((d) => d.dayOfWeek === 1).map(String);
  assert.deepEqual(mondays, ["2017-12-25", "2023-12-25", "2028-12-25", "2034-12-25", "2045-12-25"]);
  for (const monday of mondays) {
    const week = await client.getWeek(1, monday);
    assert.equal(week.monday, monday);
    assert.equal(week.projects[0].tasks[0].days[0].date.slice(0, 4), monday.slice(0, 4));
  }
  const newYear = await client.getWeek(2, "2029-12-31");
  assert.equal(newYear.sunday, "2030-01-06");
  assert.equal(newYear.projects[0].tasks[0].days[0].date, "2030-01-06");
  await assert.rejects(() => client.getWeek(1, "2029-12-31"), ShapeError);
});

Deno.test("person(): an answer without email says no email (undefined), never an empty one", async () => {
  for (const body of [{ id: 17, name: "Jane Doe" }, { id: 17, name: "Jane Doe", email: "" }]) {
    const { client } = clientWith(() => json(body));
    const person = await client.person();
    assert.deepEqual(person, { id: 17, email: undefined, name: "Jane Doe" });
    assert.equal(person.email === undefined, true);
  }
});
