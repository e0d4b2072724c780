/**
 * `deno task mutants`: plants each bug of `mutants.ts`, one at a time, in a scratch copy of the
 * repository (its tracked and untracked files, as they are now), runs the mutant's test files
 * there, and prints which tests caught which bug. Exits 1 when a mutant's text is not found
 * exactly once, when the tests fail on the unmutated copy, or when a mutant is not caught.
 * Slow (a test run per mutant), so not part of CI. `deno task mutants <word>` runs only the
 * mutants whose name contains the word.
 */
import { type Mutant, MUTANTS } from "./mutants.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const TEST_FLAGS = [
  // As `deno task test`: the test-only packages (SDK 1.x clients) stay out of deno.lock.
  "--lock=tests/tests.lock",
  "--allow-net=127.0.0.1",
  "--allow-read",
  "--allow-write=/tmp",
  "--allow-run",
  "--allow-env",
  "--allow-sys=homedir,osRelease",
  "--ignore-read=/proc/sys/fs/binfmt_misc/WSLInterop,/run/WSL",
];

/** The outcome of one test run: failed test names, and whether the run itself broke. */
interface Run {
  failed: string[];
  passed: number;
  /** The run failed without naming a test (a type error, a module that failed to load). */
  broken: boolean;
  output: string;
}

async function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0", DENO_TLS_CA_STORE: "system" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

/** Copies the repository's tracked and untracked (not ignored) files into a new temp dir. */
async function scratchCopy(): Promise<string> {
  const listed = await run("git", ["ls-files", "-co", "--exclude-standard", "-z"], ROOT);
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.out}`);
  const dir = await Deno.makeTempDir({ prefix: "project-logs-mutants-" });
  for (const rel of listed.out.split("\0").filter(Boolean)) {
    const from = `${ROOT}${rel}`;
    try {
      if (!(await Deno.stat(from)).isFile) continue;
    } catch {
      continue; // deleted in the work tree
    }
    const to = `${dir}/${rel}`;
    await Deno.mkdir(to.slice(0, to.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(from, to);
  }
  return dir;
}

async function runTests(dir: string, files: string[]): Promise<Run> {
  const { code, out } = await run("deno", ["test", ...TEST_FLAGS, ...files], dir);
  const failed = [...out.matchAll(/^(.+?) \.\.\. FAILED\b/gm)].map((m) => m[1].trim());
  const summary = /^(?:ok|FAILED) \| (\d+) passed/m.exec(out);
  return {
    failed: [...new Set(failed)],
    passed: summary ? Number(summary[1]) : 0,
    broken: code !== 0 && failed.length === 0,
    output: out,
  };
}

function apply(text: string, m: Mutant): string {
  const count = text.split(m.search).length - 1;
  if (count !== 1) {
    throw new Error(
      `Mutant "${m.name}": its text occurs ${count} times in ${m.file} (expected exactly once); the code moved, update scripts/mutants/mutants.ts`,
    );
  }
  return text.replace(m.search, () => m.replace);
}

const filter = Deno.args[0]?.toLowerCase();
const chosen = MUTANTS.filter((m) => !filter || m.name.toLowerCase().includes(filter));
const dir = await scratchCopy();
console.log(`Scratch copy: ${dir}`);
let problems = 0;
try {
  // Every mutant must apply before anything runs: a stale list fails at once.
  for (const m of chosen) apply(await Deno.readTextFile(`${dir}/${m.file}`), m);

  const allTests = [...new Set(chosen.flatMap((m) => m.tests))];
  console.log(`Baseline: ${allTests.length} test files on the unmutated copy…`);
  const baseline = await runTests(dir, allTests);
  if (baseline.failed.length || baseline.broken) {
    console.log(baseline.output);
    console.log(
      `Baseline fails (${baseline.failed.join("; ") || "the run broke"}): fix that first.`,
    );
    Deno.exit(1);
  }

  const rows: string[][] = [];
  for (const m of chosen) {
    const path = `${dir}/${m.file}`;
    const original = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, apply(original, m));
    console.log(`Mutant: ${m.name} (${m.file})…`);
    let r: Run;
    try {
      r = await runTests(dir, m.tests);
    } finally {
      await Deno.writeTextFile(path, original);
    }
    const caught = r.failed.length > 0;
    if (!caught) problems++;
    if (r.broken) console.log(r.output.split("\n").slice(-15).join("\n"));
    rows.push([
      m.name,
      caught ? "CAUGHT" : r.broken ? "BROKE THE RUN" : "MISSED",
      caught ? r.failed.join("; ") : `${r.passed} passed in ${m.tests.join(", ")}`,
    ]);
  }
  console.log("");
  console.log("| mutant | outcome | tests that failed |");
  console.log("|---|---|---|");
  for (const row of rows) console.log(`| ${row.join(" | ")} |`);
  console.log("");
  console.log(
    problems
      ? `${problems} of ${rows.length} mutants not caught.`
      : `All ${rows.length} mutants caught.`,
  );
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
Deno.exit(problems ? 1 : 0);
