import { serveSandbox } from "../src/sandbox/erp.ts";
import { memoryRow } from "./rows/stdio_server.ts";
import { TODAY } from "./rows/tool_calls.ts";
const sb = await serveSandbox({today: TODAY});
for (const f of [undefined, "--max-old-space-size=32", "--max-old-space-size=64"]) {
const t0 = performance.now();
const r = await memoryRow(sb, 1000, f);
console.log(f, r.afterStart, r.afterCalls, r.afterTriple, Math.round(performance.now()-t0));
}
await sb.close();
