/**
 * The planted bugs `deno task mutants` checks the tests against: each a literal search/replace on
 * one source file that must match exactly once (so a mutant whose code moved fails loudly instead
 * of silently testing nothing), and the test files expected to catch it.
 */

/** One planted bug. */
export interface Mutant {
  /** Short name for the table. */
  name: string;
  /** The source file, relative to the repository root. */
  file: string;
  /** The exact text to replace; must occur exactly once in `file`. */
  search: string;
  replace: string;
  /** The test files run against it, relative to the repository root. */
  tests: string[];
}

/** The list: the bugs the suite once let through, and the checks that must never go quiet. */
export const MUTANTS: Mutant[] = [
  {
    name: "a session's parallel saves of one week not queued",
    file: "src/logs/timesheet.ts",
    search:
      "      const base = waited ? this.#learn(await this.erp.getWeek(week.id, week.monday)) : week;",
    replace: "      const base = week;",
    tests: ["tests/e2e/concurrency_test.ts"],
  },
  {
    name: "app-only tools listed to a client without MCP Apps",
    file: "src/server.ts",
    search:
      "    tools: rendersApps(server.server.getClientCapabilities(), extra) ? list : forModel,",
    replace: "    tools: list,",
    tests: ["tests/e2e/apps_tools_test.ts", "tests/e2e/apps_test.ts"],
  },
  {
    name: "hours written as 1:30 read as something else",
    file: "src/tools/input.ts",
    search: "  if (clock) return Number(clock[1]) + Number(clock[2]) / 60;",
    replace: "  if (clock) return Number(clock[1]) + Number(clock[2]) / 100;",
    tests: ["tests/unit/duration_test.ts", "tests/e2e/input_test.ts"],
  },
  {
    name: "409 re-applied onto the stale copy",
    file: "src/logs/timesheet.ts",
    search: "          copy = cloneWeek(fresh);",
    replace: "          copy = { ...cloneWeek(week), modifiedAt: fresh.modifiedAt };",
    tests: ["tests/e2e/concurrency_test.ts"],
  },
  {
    name: "a lost answer always reported stored (entry tools)",
    file: "src/tools/entry.ts",
    search: "      return same\n        ? `the entry IS stored",
    replace: "      return same || !same\n        ? `the entry IS stored",
    tests: ["tests/e2e/lost_answer_test.ts"],
  },
  {
    name: "a lost answer always reported written (fill)",
    file: "src/tools/fill.ts",
    search: "        else if (has(o)) {",
    replace: "        else if (has(o) || true) {",
    tests: ["tests/e2e/lost_answer_test.ts"],
  },
  {
    name: "rounding down instead of to nearest",
    file: "src/dates.ts",
    // The digit arithmetic of hoursToMinutes (roundDecimal) truncates instead of rounding.
    search:
      "    const top = 2n * numerator + d;\n    const bottom = 2n * d;\n    result = top / bottom;\n" +
      "    if (top % bottom !== 0n && top < 0n) result -= 1n;",
    replace: "    result = numerator / d;",
    tests: ["tests/unit/dates_test.ts", "tests/e2e/rounding_test.ts"],
  },
  {
    name: "a removed Host check",
    file: "src/transports/http.ts",
    search: "    if (!this.#hosts.has(host)) {",
    replace: "    if (false) {",
    tests: ["tests/e2e/http_test.ts"],
  },
  {
    name: "a fill that saves per day instead of per week",
    file: "src/tools/fill.ts",
    search: "          await saveWeek(ts, read.week, days, what, record);",
    replace:
      "          for (const one of days) await saveWeek(ts, read.week, [one], what, record);",
    tests: ["tests/e2e/fill_test.ts"],
  },
  {
    name: "a fill that keeps its first plan after a 409",
    file: "src/tools/fill.ts",
    search: "      (copy) => (last = planDays(copy, days, what)),",
    replace: "      (copy) => (last = last.length ? last : planDays(copy, days, what)),",
    tests: ["tests/e2e/concurrency_test.ts"],
  },
  {
    name: "a removed 24 h day limit",
    file: "src/erp/week.ts",
    search: "  if (total > DAY_LIMIT_MINUTES) {",
    replace: "  if (false) {",
    tests: ["tests/unit/week_test.ts", "tests/e2e/fill_test.ts"],
  },
  {
    name: "the token in whoami",
    file: "src/tools/auth.ts",
    search: "      }) since ${creds.since}, ERP ${ctx.config.erpBaseUrl}.",
    replace: "      }) (token ${creds.token}) since ${creds.since}, ERP ${ctx.config.erpBaseUrl}.",
    tests: ["tests/e2e/secrets_test.ts", "tests/e2e/auth_test.ts"],
  },
  {
    name: "an unchecked confirmation binding (session token)",
    file: "src/tools/confirm.ts",
    search: "        if (call !== binding.call) throw mismatch(req.tool);\n" +
      "        if (entry.used) throw used();\n" +
      "        if (entry.expires <= now) throw expired(ttl);\n" +
      "        if (entry.binding !== binding.full) throw changed(false);\n",
    replace:
      "        if (entry.used) throw used();\n        if (entry.expires <= now) throw expired(ttl);\n",
    tests: ["tests/e2e/confirm_test.ts"],
  },
  {
    name: "an unchecked confirmation binding (stateless token)",
    file: "src/tools/confirm.ts",
    search: "        if (!expected || !sameSecret(parts[1], callMac)) throw mismatch(req.tool);\n" +
      "        if (expires <= now) throw expired(ttl);\n" +
      "        // Nothing is kept between stateless requests: a token already used and a week changed\n" +
      "        // since look the same here (what the preview showed no longer holds).\n" +
      "        if (!sameSecret(given, expected)) throw changed(true);\n",
    replace:
      "        if (!expected) throw mismatch(req.tool);\n        if (expires <= now) throw expired(ttl);\n",
    tests: ["tests/e2e/stateless_confirm_test.ts"],
  },
  {
    name: "a confirmation not bound to what the preview showed",
    file: "src/tools/confirm.ts",
    search: "canonicalJson(req.shown ?? null)",
    replace: '"null"',
    tests: ["tests/e2e/confirm_test.ts"],
  },
  {
    name: "a skipped allowlist check on a tool call",
    file: "src/auth/session.ts",
    search:
      "    const refused = checkAllowed(creds.email, this.config, TOKEN_SOURCES[creds.method]);",
    replace: "    const refused = undefined as string | undefined;",
    tests: ["tests/e2e/allowlist_recheck_test.ts", "tests/e2e/http_test.ts"],
  },
  {
    name: "a skipped allowlist check at sign-in",
    file: "src/auth/session.ts",
    search: "    const refused = checkAllowed(c.email, this.config, TOKEN_SOURCES[c.method]);",
    replace: "    const refused = undefined as string | undefined;",
    tests: ["tests/e2e/auth_test.ts"],
  },
  {
    name: "a removed session-id/Authorization identity check (hosted)",
    file: "src/transports/http.ts",
    search: "    if (own !== undefined && sameSecret(own, token)) return undefined;",
    replace: "    if (own !== undefined || token.length >= 0) return undefined;",
    tests: ["tests/e2e/http_limits_test.ts"],
  },
  {
    name: "a removed comma refusal in grantable",
    file: "src/permissions.ts",
    search: '  if (value.includes(",")) {\n    throw new PermissionValueError(',
    replace: "  if (false) {\n    throw new PermissionValueError(",
    tests: ["tests/unit/permissions_test.ts"],
  },
  {
    name: "a year guessed from the clock instead of the asked Monday",
    file: "src/dates.ts",
    search: "[anchor.year - 1, anchor.year, anchor.year + 1]",
    replace: "[0, 1, 2].map((i) => Temporal.Now.plainDateISO().year - 1 + i)",
    tests: ["tests/unit/erp_types_test.ts", "tests/e2e/years_test.ts"],
  },
  {
    name: "the JSON-string list not re-parsed",
    file: "src/erp/types.ts",
    search: '  const list = listOf(unwrapJsonString(body, "the week list"));',
    replace: "  const list = listOf(body);",
    tests: ["tests/unit/erp_types_test.ts", "tests/e2e/variants_test.ts"],
  },
];
