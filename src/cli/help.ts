/** The `--help` text: commands, then every setting with its flag and variable. */
import { SETTINGS } from "../config.ts";
import { SERVER_INFO } from "../server.ts";

/** Help for people at a terminal; generated from SETTINGS so it never drifts from the config. */
export function helpText(): string {
  // Columns as wide as their longest entry plus two spaces, so no flag runs into its variable.
  const flagWidth = Math.max(...SETTINGS.map(([flag]) => (flag || "").length)) + 2;
  const envWidth = Math.max(...SETTINGS.map(([, env]) => env.length)) + 2;
  const settings = SETTINGS.map(([flag, env, what]) =>
    `  ${(flag || "").padEnd(flagWidth)}${env.padEnd(envWidth)}${what}`
  );
  return `${SERVER_INFO.name} ${SERVER_INFO.version}
An MCP server for your weekly project time logs in the company ERP.

Usage:
  project-logs-mcp [flags]                  serve MCP over stdio (what AI clients run)
  project-logs-mcp doctor [flags]           check the configuration, the ERP and sign-in;
                                            say what to fix (exit code 0 only when all is well)
  project-logs-mcp tools [flags]            list the tools, one line each
  project-logs-mcp call <tool> ['<json>']   run one tool call and print what the model gets
                                            (--json: the whole MCP result; exit code 1 on error;
                                            --yes: confirm a write that asks, in this one run)

Flags (each also set by its environment variable):
${settings.join("\n")}
  -h, --help                show this help
  -V, --version             print the version
`;
}
