/**
 * The start-up floor: the smallest MCP server on the same Deno and SDK — one tool, stdio — so
 * row 3 can say how much of main.ts's start-up is ours.
 */
import { z } from "zod";
import { McpServer } from "@modelcontextprotocol/server";
import { StdioServerTransport } from "@modelcontextprotocol/server/stdio";

const server = new McpServer({ name: "floor", version: "1.0.0" });
server.registerTool("echo", {
  description: "Echoes its text",
  inputSchema: z.object({ text: z.string().describe("What to echo") }),
}, ({ text }) => ({ content: [{ type: "text", text }] }));
await server.connect(new StdioServerTransport());
