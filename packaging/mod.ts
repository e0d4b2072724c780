/**
 * What the install routes are made of, as pure functions: the MCP Bundle manifest per platform,
 * the MCP Registry's server.json, the container image name, and the one-click install links for
 * VS Code and Cursor. The release workflow fills them through packaging/build.ts; the tests check
 * them with the bundle tool's own validator and the registry's published schema.
 */
import { outputName, targetOs, TARGETS } from "../src/cli/compile.ts";

/** The GitHub repository releases are published from (`owner/name`); forks pass their own. */
export const DEFAULT_REPOSITORY = "project-logs/project-logs-mcp";

/** The manifest format of `@anthropic-ai/mcpb` 2.1.2 (its LATEST_MANIFEST_VERSION). */
export const MANIFEST_VERSION = "0.4";

/** The registry's server.json schema this project writes (vendored in packaging/). */
export const SERVER_SCHEMA_URL =
  "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json";

/** Under 100 characters: the registry's limit for `description`. */
export const DESCRIPTION = "Read and write your weekly project time logs in your company's ERP";

const TITLE = "Project logs (ERP)";

/** A tool as the bundle manifest lists it. */
export interface ToolSummary {
  name: string;
  description?: string;
}

/** One platform's bundle file name, e.g. `project-logs-mcp-aarch64-apple-darwin.mcpb`. */
export function bundleName(target: string): string {
  return `project-logs-mcp-${target}.mcpb`;
}

/** Where the executable sits inside a bundle (the same name on every platform, `.exe` on Windows). */
export function entryPoint(target: string): string {
  return `server/project-logs-mcp${targetOs(target) === "windows" ? ".exe" : ""}`;
}

/** The executable `deno task compile` writes for `target`, relative to the repository root. */
export function executablePath(target: string): string {
  return outputName(target);
}

/** Node's `process.platform` names, which the manifest's `compatibility.platforms` uses. */
function platformOf(target: string): "darwin" | "win32" | "linux" {
  const os = targetOs(target);
  return os === "windows" ? "win32" : os;
}

/** The public URLs of a repository. */
export function repositoryUrls(repository: string) {
  const web = `https://github.com/${repository}`;
  return {
    web,
    issues: `${web}/issues`,
    readme: `${web}#readme`,
    release: (version: string) => `${web}/releases/download/v${version}`,
    icon: (version: string) =>
      `https://raw.githubusercontent.com/${repository}/v${version}/packaging/icon.png`,
  };
}

/** The container image (ghcr.io names are lower case), without a tag. */
export function imageName(repository: string): string {
  return `ghcr.io/${repository.toLowerCase()}`;
}

/** The registry name: `io.github.<owner>/<name>`, the namespace a GitHub sign-in may publish to. */
export function registryName(repository: string): string {
  const [owner, name] = repository.split("/");
  return `io.github.${owner}/${name}`;
}

/**
 * The settings a person gives when installing the bundle, and the variable each one becomes.
 * Optional ones default to "" (the server reads an empty variable as unset): a setting with no
 * value and no default would reach the server as the literal `${user_config.…}`.
 */
export const USER_CONFIG = {
  erp_api_base_url: {
    env: "ERP_API_BASE_URL",
    spec: {
      type: "string",
      title: "ERP API URL",
      description:
        "Your ERP's REST base URL, ending in /api/v1/ (for example https://erp.example.com/api/v1/)",
      required: true,
    },
  },
  authorized_users: {
    env: "MCP_AUTHORIZED_USERS",
    spec: {
      type: "string",
      title: "Your email",
      description:
        "Your email, as the server's allowlist: only these people may use it (several: comma-separated; a whole domain: @example.com)",
      required: true,
    },
  },
  erp_api_token: {
    env: "ERP_API_TOKEN",
    spec: {
      type: "string",
      title: "ERP token (optional)",
      description:
        "Signs you in at start: the Authorization header the ERP web app sends (see the README). Leave empty to sign in from the chat.",
      required: false,
      sensitive: true,
      default: "",
    },
  },
  timezone: {
    env: "MCP_TIMEZONE",
    spec: {
      type: "string",
      title: "Time zone (optional)",
      description:
        "IANA time zone for today and week boundaries, e.g. Europe/Paris. Leave empty to use the computer's.",
      required: false,
      default: "",
    },
  },
} as const;

/** What a bundle manifest needs besides the target. */
export interface ManifestInputs {
  version: string;
  tools: ToolSummary[];
  repository?: string;
}

/** The `manifest.json` of one platform's bundle (manifest_version 0.4, `server.type: binary`). */
export function bundleManifest(target: string, m: ManifestInputs): Record<string, unknown> {
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new Error(`Unknown target "${target}": expected one of ${TARGETS.join(", ")}`);
  }
  const urls = repositoryUrls(m.repository ?? DEFAULT_REPOSITORY);
  const entry = entryPoint(target);
  return {
    manifest_version: MANIFEST_VERSION,
    name: "project-logs-mcp",
    display_name: TITLE,
    version: m.version,
    description: DESCRIPTION,
    long_description:
      "Lets the assistant read, add, fill and submit your weekly project time logs through your " +
      "ERP's REST API. You give the ERP's API URL and your email (the allowlist); sign in by " +
      "pasting your ERP token in the chat, in the settings below, or with a browser sign-in.",
    author: { name: "project-logs-mcp contributors", url: urls.web },
    repository: { type: "git", url: urls.web },
    homepage: urls.web,
    documentation: urls.readme,
    support: urls.issues,
    icon: "icon.png",
    server: {
      type: "binary",
      entry_point: entry,
      mcp_config: {
        command: `\${__dirname}/${entry}`,
        args: [],
        env: Object.fromEntries(
          Object.entries(USER_CONFIG).map(([key, c]) => [c.env, `\${user_config.${key}}`]),
        ),
      },
    },
    tools: m.tools.map((t) => (t.description ? { name: t.name, description: t.description } : {
      name: t.name,
    })),
    keywords: ["timesheet", "time tracking", "erp", "project logs"],
    compatibility: { platforms: [platformOf(target)] },
    user_config: Object.fromEntries(
      Object.entries(USER_CONFIG).map(([key, c]) => [key, { ...c.spec }]),
    ),
  };
}

/** A built bundle: its target and the SHA-256 (hex) of the `.mcpb` file. */
export interface BuiltBundle {
  target: string;
  sha256: string;
}

/** What server.json needs. */
export interface ServerJsonInputs {
  version: string;
  repository?: string;
  bundles: BuiltBundle[];
}

/** The variables a local package (bundle or container) is configured with, for the registry. */
function registryEnv() {
  return [
    {
      name: "ERP_API_BASE_URL",
      description: USER_CONFIG.erp_api_base_url.spec.description,
      isRequired: true,
      placeholder: "https://erp.example.com/api/v1/",
    },
    {
      name: "MCP_AUTHORIZED_USERS",
      description: USER_CONFIG.authorized_users.spec.description,
      isRequired: true,
      placeholder: "you@example.com",
    },
    {
      name: "ERP_API_TOKEN",
      description: USER_CONFIG.erp_api_token.spec.description,
      isSecret: true,
    },
    { name: "MCP_TIMEZONE", description: USER_CONFIG.timezone.spec.description },
  ];
}

/**
 * The MCP Registry entry: the five bundles (with their SHA-256), the container image over stdio,
 * and the hosted server as a URL template (`https://{host}/mcp`) for an organisation's own host.
 */
export function serverJson(s: ServerJsonInputs): Record<string, unknown> {
  const repository = s.repository ?? DEFAULT_REPOSITORY;
  const urls = repositoryUrls(repository);
  const targets = s.bundles.map((b) => b.target);
  const missing = TARGETS.filter((t) => !targets.includes(t));
  if (missing.length) throw new Error(`Missing bundles for ${missing.join(", ")}`);
  return {
    $schema: SERVER_SCHEMA_URL,
    name: registryName(repository),
    title: TITLE,
    description: DESCRIPTION,
    version: s.version,
    websiteUrl: urls.readme,
    repository: { url: urls.web, source: "github" },
    icons: [{ src: urls.icon(s.version), mimeType: "image/png", sizes: ["512x512"] }],
    packages: [
      ...TARGETS.map((target) => {
        const bundle = s.bundles.find((b) => b.target === target)!;
        return {
          registryType: "mcpb",
          identifier: `${urls.release(s.version)}/${bundleName(target)}`,
          version: s.version,
          fileSha256: bundle.sha256,
          transport: { type: "stdio" },
          environmentVariables: registryEnv(),
        };
      }),
      {
        registryType: "oci",
        identifier: `${imageName(repository)}:${s.version}`,
        runtimeHint: "docker",
        transport: { type: "stdio" },
        // The image serves HTTP by default; `deno task start` is the same server over stdio.
        packageArguments: ["deno", "task", "start"].map((value) => ({ type: "positional", value })),
        environmentVariables: registryEnv(),
      },
    ],
    remotes: [{
      type: "streamable-http",
      url: "https://{host}/mcp",
      variables: {
        host: {
          description: "Host name of your organisation's hosted project-logs-mcp",
          isRequired: true,
          placeholder: "timesheets.example.com",
        },
      },
      headers: [{
        name: "Authorization",
        description: 'Your ERP token, as "Token …" (or sign in from the chat instead)',
        isSecret: true,
      }],
    }],
  };
}

/** A stdio server as VS Code's and Cursor's install links carry it. */
interface LinkConfig {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** VS Code prompts for these when the link is opened; the token is typed into a password box. */
export const VSCODE_INPUTS = [
  {
    id: "erp_api_base_url",
    type: "promptString",
    description: "ERP API URL, ending in /api/v1/ (e.g. https://erp.example.com/api/v1/)",
  },
  {
    id: "authorized_users",
    type: "promptString",
    description: "Your email (the server's allowlist)",
  },
  {
    id: "erp_api_token",
    type: "promptString",
    description: "ERP token (optional: leave empty to sign in from the chat)",
    password: true,
  },
  {
    id: "timezone",
    type: "promptString",
    description: "Your time zone, e.g. Europe/Paris (empty: the computer's; in Docker, UTC)",
  },
] as const;

/** The variables a link sets, each from an input (VS Code) or a value to edit (Cursor). */
function linkEnv(kind: "vscode" | "cursor"): Record<string, string> {
  return Object.fromEntries(
    Object.entries(USER_CONFIG).map(([key, c]) => {
      if (kind === "vscode") return [c.env, `\${input:${key}}`];
      const placeholders: Record<string, string> = {
        ERP_API_BASE_URL: "https://erp.example.com/api/v1/",
        MCP_AUTHORIZED_USERS: "you@example.com",
        ERP_API_TOKEN: "",
        MCP_TIMEZONE: "",
      };
      return [c.env, placeholders[c.env]];
    }),
  );
}

/** The server config of each one-click route: the container over stdio, or the executable on PATH. */
export function linkConfigs(
  version: string,
  kind: "vscode" | "cursor",
  repository = DEFAULT_REPOSITORY,
): { docker: LinkConfig; executable: LinkConfig } {
  const env = linkEnv(kind);
  // `-e NAME` passes the variable from the client's environment, so no value is in the arguments.
  const passEnv = Object.keys(env).flatMap((name) => ["-e", name]);
  return {
    docker: {
      command: "docker",
      args: [
        "run",
        "-i",
        "--rm",
        ...passEnv,
        `${imageName(repository)}:${version}`,
        "deno",
        "task",
        "start",
      ],
      env,
    },
    executable: { command: "project-logs-mcp", args: [], env },
  };
}

/** encodeURIComponent, and the characters it leaves that a Markdown link may misread. */
function encode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The install links for the README: VS Code (via its web redirect) and Cursor, per route. */
export function installLinks(version: string, repository = DEFAULT_REPOSITORY) {
  const vscode = linkConfigs(version, "vscode", repository);
  const cursor = linkConfigs(version, "cursor", repository);
  const vscodeLink = (name: string, config: LinkConfig) =>
    "https://insiders.vscode.dev/redirect/mcp/install?name=" + encode(name) +
    "&inputs=" + encode(JSON.stringify(VSCODE_INPUTS)) +
    "&config=" + encode(JSON.stringify({ type: "stdio", ...config }));
  const cursorLink = (name: string, config: LinkConfig) =>
    "https://cursor.com/en/install-mcp?name=" + encode(name) +
    "&config=" + encode(btoa(JSON.stringify(config)));
  return {
    vscodeDocker: vscodeLink("project-logs", vscode.docker),
    vscodeExecutable: vscodeLink("project-logs", vscode.executable),
    cursorDocker: cursorLink("project-logs", cursor.docker),
    cursorExecutable: cursorLink("project-logs", cursor.executable),
  };
}

/** The start marker of the README's generated install links. */
export const LINKS_START = "<!-- install-links:start (generated by `deno task package links`) -->";
/** The end marker of the README's generated install links. */
export const LINKS_END = "<!-- install-links:end -->";

/** The README block between the markers: badges for each client and route. */
export function linksBlock(version: string, repository = DEFAULT_REPOSITORY): string {
  const l = installLinks(version, repository);
  const badge = (label: string, color: string, logo: string) =>
    `https://img.shields.io/badge/${label}-${color}?style=flat-square&logo=${logo}&logoColor=white`;
  const release = `https://github.com/${repository}/releases/latest`;
  return [
    LINKS_START,
    `[![Claude Desktop: download the .mcpb](${
      badge("Claude_Desktop-Download_.mcpb", "D97757", "anthropic")
    })](${release})`,
    `[![VS Code: install with Docker](${
      badge("VS_Code-Install_with_Docker", "0098FF", "visualstudiocode")
    })](${l.vscodeDocker})`,
    `[![VS Code: install the executable on PATH](${
      badge("VS_Code-Install_executable", "0098FF", "visualstudiocode")
    })](${l.vscodeExecutable})`,
    `[![Cursor: install with Docker](${
      badge("Cursor-Install_with_Docker", "000000", "cursor")
    })](${l.cursorDocker})`,
    `[![Cursor: install the executable on PATH](${
      badge("Cursor-Install_executable", "000000", "cursor")
    })](${l.cursorExecutable})`,
    LINKS_END,
  ].join("\n");
}

/** `readme` with its install-links block replaced; throws when the markers are missing. */
export function withLinksBlock(readme: string, block: string): string {
  const start = readme.indexOf(LINKS_START);
  const end = readme.indexOf(LINKS_END);
  if (start < 0 || end < start) throw new Error("README has no install-links markers");
  return readme.slice(0, start) + block + readme.slice(end + LINKS_END.length);
}

/** SHA-256 of bytes, as lower-case hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Parses `sha256sum` output (`<hex>  <file>` a line) into a file-name → hash map. */
export function parseSums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = line.match(/^([0-9a-f]{64}) [ *](.+)$/);
    if (m) sums.set(m[2].replace(/^.*[/\\]/, ""), m[1]);
  }
  return sums;
}
