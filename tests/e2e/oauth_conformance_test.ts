/**
 * The conformance suite's authorization-server scenarios (npm:@modelcontextprotocol/conformance
 * 0.2.0-alpha.12 `authorization`) against this server's authorization server: the RFC 8414
 * metadata, and the authorization code grant — whose authorize URL the suite prints for a person
 * to open; headless Chromium opens it here and signs alice in by token.
 */
import assert from "node:assert/strict";
import { browserTest, freePort, withUserBrowser } from "./browser_helpers.ts";
import { consentIn, oauthHosted, pasteToken, registerClient } from "./oauth_helpers.ts";
import { scaledTimeout } from "../helpers.ts";

const LOCK = new URL("../conformance.lock", import.meta.url).pathname;

Deno.test(
  browserTest(
    "oauth conformance 0.2.0-alpha.12: the authorization server scenarios (metadata, authorization code grant) pass",
  ),
  async () => {
    await oauthHosted(async ({ sb, url }) => {
      const port = freePort();
      const redirect = `http://127.0.0.1:${port}/callback`;
      const clientId = await registerClient(url, redirect);
      const dir = await Deno.makeTempDir({ prefix: "oauth-conformance-" });
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-config",
          `--lock=${LOCK}`,
          "--frozen",
          "--allow-net=127.0.0.1,localhost",
          "--allow-read",
          `--allow-write=${dir}`,
          "--allow-env",
          "--allow-sys",
          "npm:@modelcontextprotocol/conformance@0.2.0-alpha.12",
          "authorization",
          "--url",
          url,
          "--client-id",
          clientId,
          "--resource",
          `${url}/mcp`,
          "--port",
          String(port),
        ],
        cwd: dir,
        env: { NO_COLOR: "1", DENO_TLS_CA_STORE: "system" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      let text = "";
      const errText = new Response(child.stderr).text();
      try {
        const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
        // The suite prints the authorize URL, then starts its callback listener and waits (up to
        // 5 minutes) for the browser to come back to it.
        const until = Date.now() + scaledTimeout(60_000);
        while (!text.includes("Callback server started") && Date.now() < until) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        const authUrl = /^(http:\/\/\S+\/authorize\?\S+)\n/m.exec(text)?.[1];
        assert.ok(
          authUrl && text.includes("Callback server started"),
          `the suite printed no authorize URL or did not listen:\n${text}`,
        );
        await withUserBrowser(async (page) => {
          const error = await pasteToken(page, new URL(authUrl), sb.erp.fixtures.users.alice.token);
          assert.equal(error, undefined);
          await consentIn(page, redirect);
        });
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
        const status = await child.status;
        const all = `${text}\n${await errText}`;
        assert.equal(status.code, 0, all.slice(-3000));
        // Both scenarios ran, and every check passed (3 in this suite version).
        assert.match(all, /✓ authorization-server-metadata-endpoint: \d+ passed, 0 failed/);
        assert.match(all, /✓ authorization-code-grant: \d+ passed, 0 failed/);
        const m = /Total: (\d+) passed, 0 failed/.exec(all);
        assert.ok(m && Number(m[1]) >= 3, all.slice(-3000));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* already ended */ }
        await child.status;
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
);
