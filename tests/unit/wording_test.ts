/**
 * Words the person reads: bounds that say what is refused, counts in the right number, balances
 * in hours and minutes with the decimal beside, and text keys that see look-alikes as one.
 */
import assert from "node:assert/strict";
import { ConfigError, type ConfigSources, loadConfig } from "../../src/config.ts";
import { count, formatBalance } from "../../src/logs/present.ts";
import { cleanText, loadTextKeys, sameText, textKey } from "../../src/text.ts";

function sources(env: Record<string, string>): ConfigSources {
  const all: Record<string, string> = {
    ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
    ...env,
  };
  return {
    getEnv: (name) => all[name],
    readFile: () => undefined,
    defaultAllowlistPath: "/srv/mcp/authorized_users.json",
    defaultTimeZone: "UTC",
  };
}

for (
  const [env, flag, max] of [
    ["ERP_TIMEOUT_SECONDS", "--timeout", 600],
    ["MCP_SIGNIN_TIMEOUT_SECONDS", "--signin-timeout", 3600],
    ["MCP_CONFIRM_WAIT_SECONDS", "--confirm-wait", 3600],
  ] as const
) {
  Deno.test(`loadConfig: ${env}="0" is refused in words that do not offer 0`, () => {
    assert.throws(() => loadConfig([], sources({ [env]: "0" })), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.message.includes(flag), error.message);
      assert.ok(error.message.includes(`more than 0 and at most ${max}`), error.message);
      assert.doesNotMatch(error.message, /between 0/);
      return true;
    });
  });
}

Deno.test("count: the noun agrees with the number", () => {
  assert.equal(count(1, "day"), "1 day");
  assert.equal(count(0, "day"), "0 days");
  assert.equal(count(2, "entry"), "2 entries");
  assert.equal(count(1, "entry"), "1 entry");
  assert.equal(count(3, "workday"), "3 workdays");
});

Deno.test("formatBalance: h min first, the decimal in brackets, the sign on both", () => {
  assert.equal(formatBalance(63 * 60 + 51), "+63 h 51 min (63.85 h)");
  assert.equal(formatBalance(-150), "-2 h 30 min (-2.5 h)");
  assert.equal(formatBalance(-45), "-45 min (-0.75 h)");
  // Whole hours say it once: "balance -16 h", not "-16 h (-16 h)".
  assert.equal(formatBalance(-16 * 60), "-16 h");
  assert.equal(formatBalance(0), "0 h");
});

Deno.test("cleanText: NFKC turns full-width letters into plain ones", () => {
  assert.equal(cleanText("\uff32eview"), "Review");
  assert.equal(cleanText("\uff34\uff45\uff53\uff54\u3000plan"), "Test plan");
});

Deno.test("textKey: Cyrillic and Greek look-alikes meet their Latin letters; ASCII is never folded", async () => {
  await loadTextKeys();
  assert.ok(sameText("Review", "R\u0435view"), "Cyrillic е");
  assert.ok(sameText("Review", "\uff32eview"), "full-width Ｒ");
  assert.ok(sameText("Code", "C\u03bfde"), "Greek ο");
  assert.ok(sameText("Mobile App", "mobile\u200b app "), "case, invisible and spaces aside");
  assert.ok(!sameText("Modem", "Modern"), "rn is not m in plain ASCII");
  assert.ok(!sameText("Review", "Preview"));
  assert.equal(textKey("Ab"), "ab");
});
