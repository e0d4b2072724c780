/** The one list of tools; read-only mode is a filter over it. */
import { appTools } from "../apps/tools.ts";
import { authTools } from "./auth.ts";
import { browserAuthTools } from "./browser_auth.ts";
import { copyTools } from "./copy.ts";
import type { ToolDef } from "./define_tool.ts";
import { insightTools } from "./insight.ts";
import { readTools } from "./read.ts";
import { writeTools } from "./write.ts";

/** Every tool, in the order clients list them. */
export const allTools: readonly ToolDef[] = [
  ...authTools,
  ...browserAuthTools,
  ...readTools,
  ...insightTools,
  ...writeTools,
  ...copyTools,
  ...appTools,
] as unknown as ToolDef[];

/** The tools to register: all, or only those that never write the ERP in read-only mode. */
export function selectTools(opts: { readOnly: boolean }): readonly ToolDef[] {
  return opts.readOnly
    ? allTools.filter((t) =>
      t.annotations.readOnlyHint || t.name.startsWith("authenticate_") || t.name === "sign_out"
    )
    : allTools;
}
