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
    name: "409 re-applied onto the stale copy",
    file: "src/logs/timesheet.ts",
    search: "          copy = cloneWeek(fresh);",
    replace: "          copy = { ...cloneWeek(week), modifiedAt: fresh.modifiedAt };",
    tests: ["tests/e2e/concurrency_test.ts", "tests/e2e/write_test.ts"],
  },
  {
    name: "a lost answer always reported stored",
    file: "src/tools/entry.ts",
    search: "      return same\n        ? `the entry IS stored",
    replace: "      return same || !same\n        ? `the entry IS stored",
    tests: ["tests/e2e/lost_answer_test.ts", "tests/e2e/write_test.ts"],
  },
  {
    name: "a lost answer always reported written (bulk)",
    file: "src/tools/fill.ts",
    search: 'else if (has(day)) set(day, "written"',
    replace: 'else if (has(day) || true) set(day, "written"',
    tests: ["tests/e2e/lost_answer_test.ts", "tests/e2e/fill_test.ts"],
  },
  {
    name: "rounding down instead of to nearest",
    file: "src/dates.ts",
    search: "  return Math.round(hours * 60);",
    replace: "  return Math.floor(hours * 60);",
    tests: ["tests/unit/dates_test.ts", "tests/e2e/write_test.ts"],
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
    search: "            await fillWeek(ts, read.week, weekDays, {",
    replace: "            for (const one of weekDays) await fillWeek(ts, read.week, [one], {",
    tests: ["tests/e2e/fill_test.ts", "tests/e2e/concurrency_test.ts"],
  },
  {
    name: "a removed 24 h limit",
    file: "src/erp/week.ts",
    search: "  if (total > DAY_LIMIT_MINUTES) {",
    replace: "  if (false) {",
    tests: ["tests/unit/week_test.ts", "tests/e2e/write_test.ts", "tests/e2e/fill_test.ts"],
  },
  {
    name: "the token in whoami",
    file: "src/tools/auth.ts",
    search: "} by ${creds.method} since ${creds.since}",
    replace: "} by ${creds.method} (token ${creds.token}) since ${creds.since}",
    tests: ["tests/e2e/secrets_test.ts", "tests/e2e/auth_test.ts"],
  },
  {
    name: "an unchecked confirmation binding (session token)",
    file: "src/tools/confirm.ts",
    search: "        if (!entry || entry.binding !== binding) throw mismatch(req.tool);",
    replace: "        if (!entry) throw mismatch(req.tool);",
    tests: ["tests/e2e/confirm_test.ts"],
  },
  {
    name: "an unchecked confirmation binding (stateless token)",
    file: "src/tools/confirm.ts",
    search: "sameText(given, await sign(deps.secret, binding, expires))",
    replace: 'given.includes(".")',
    tests: ["tests/e2e/stateless_confirm_test.ts", "tests/e2e/http_test.ts"],
  },
  {
    name: "a skipped allowlist check on a tool call",
    file: "src/auth/session.ts",
    search:
      "    if (!isAllowed(creds.email, this.config.authorizedEmails)) {\n      this.signOut();",
    replace: "    if (!isAllowed(creds.email, [creds.email])) {\n      this.signOut();",
    tests: [
      "tests/e2e/allowlist_recheck_test.ts",
      "tests/unit/session_test.ts",
      "tests/e2e/auth_test.ts",
    ],
  },
];
