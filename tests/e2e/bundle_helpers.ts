/** The one-file bundle as `deno task bundle` makes it, written where a test wants it. */
import denoJson from "../../deno.json" with { type: "json" };
import { ROOT } from "../helpers.ts";

/**
 * Runs the `bundle` task's own command line with the output file replaced by `output`; throws
 * with deno's message when bundling fails.
 */
export async function bundleServer(output: string): Promise<void> {
  const args = denoJson.tasks.bundle.split(" ").slice(1);
  const at = args.indexOf("-o");
  if (at < 0) throw new Error('bundleServer: the bundle task names no "-o" output');
  args[at + 1] = output;
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(new TextDecoder().decode(out.stderr));
}
