/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) on web-standard Request/Response, for
 * clients still configured with the old `/sse` URL: GET opens the event stream and names the
 * POST endpoint; each POSTed message is answered on the stream.
 */
import {
  type JSONRPCMessage,
  parseJSONRPCMessage,
  type Transport,
} from "@modelcontextprotocol/server";

const encoder = new TextEncoder();

/** One legacy SSE connection. */
export class LegacySseTransport implements Transport {
  readonly sessionId = crypto.randomUUID();
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  #controller?: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #keepAlive?: ReturnType<typeof setInterval>;

  /** The event stream's Response; its first event names `endpoint` for the POSTs. */
  response(endpoint: string, headers: Headers): Response {
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
        this.#write(`event: endpoint\ndata: ${endpoint}?sessionId=${this.sessionId}\n\n`);
        const timer = setInterval(() => this.#write(": keep-alive\n\n"), 15_000);
        Deno.unrefTimer(timer);
        this.#keepAlive = timer;
      },
      cancel: () => void this.close(),
    });
    headers.set("Content-Type", "text/event-stream");
    headers.set("Cache-Control", "no-cache, no-store");
    headers.set("Connection", "keep-alive");
    return new Response(stream, { status: 200, headers });
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Hands a POSTed body to the server; false when it is not JSON-RPC. */
  receive(body: unknown): boolean {
    const messages = Array.isArray(body) ? body : [body];
    const parsed: JSONRPCMessage[] = [];
    for (const m of messages) {
      try {
        parsed.push(parseJSONRPCMessage(m));
      } catch {
        return false;
      }
    }
    for (const message of parsed) this.onmessage?.(message);
    return true;
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("SSE connection closed"));
    this.#write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#keepAlive);
    try {
      this.#controller?.close();
    } catch {
      // already closed by the client
    }
    this.onclose?.();
    return Promise.resolve();
  }

  #write(text: string): void {
    if (this.#closed) return;
    try {
      this.#controller?.enqueue(encoder.encode(text));
    } catch {
      void this.close();
    }
  }
}
