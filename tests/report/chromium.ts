/**
 * A minimal Chrome DevTools Protocol client for tests: starts Debian's headless Chromium on a fresh
 * profile with `--remote-debugging-port=0`, reads the browser's WebSocket address from its stderr, and
 * talks to one page over Deno's built-in WebSocket (flattened target sessions).
 */

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM = "/usr/bin/chromium";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--hide-scrollbars",
  "--remote-debugging-port=0",
];

// deno-lint-ignore no-explicit-any
type Json = any;

/** A CDP event seen on the page session. */
export interface CdpEvent {
  method: string;
  params: Json;
}

/** A running headless Chromium with one page attached. */
export class Browser {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private readonly waiters: { method: string; resolve: (p: Json) => void }[] = [];
  /** Every event of the page session, in order (console calls, exceptions, log entries…). */
  readonly events: CdpEvent[] = [];
  private sessionId = "";

  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly socket: WebSocket,
    private readonly profile: string,
  ) {
    socket.onmessage = (e) => this.onMessage(JSON.parse(String(e.data)));
  }

  /** Starts Chromium, connects, and opens a blank page of `width`×`height` CSS pixels. */
  static async launch(width = 1280, height = 900): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "freqlens-chromium-" });
    const child = new Deno.Command(CHROMIUM, {
      args: [...FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`, "about:blank"],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const url = await readWsUrl(child.stderr);
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    const browser = new Browser(child, socket, profile);
    const { targetId } = await browser.send("Target.createTarget", { url: "about:blank" }, false);
    const { sessionId } = await browser.send("Target.attachToTarget", { targetId, flatten: true }, false);
    browser.sessionId = sessionId;
    await browser.send("Page.enable");
    await browser.send("Runtime.enable");
    await browser.send("Log.enable");
    await browser.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    return browser;
  }

  private onMessage(msg: Json): void {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`CDP error: ${JSON.stringify(msg.error)}`));
      else p.resolve(msg.result);
      return;
    }
    if (msg.sessionId === this.sessionId) {
      this.events.push({ method: msg.method, params: msg.params });
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i].method === msg.method) this.waiters.splice(i, 1)[0].resolve(msg.params);
      }
    }
  }

  /** Sends a CDP command (to the page session unless `page` is false) and returns its result. */
  send(method: string, params: Json = {}, page = true): Promise<Json> {
    const id = this.nextId++;
    const message: Json = { id, method, params };
    if (page) message.sessionId = this.sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify(message));
    });
  }

  /** Resolves with the params of the next event `method` of the page, or rejects after `timeoutMs`. */
  waitFor(method: string, timeoutMs = 20000): Promise<Json> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs);
      this.waiters.push({
        method,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  }

  /** Navigates to `url` and waits for the load event. */
  async open(url: string): Promise<void> {
    const loaded = this.waitFor("Page.loadEventFired");
    const nav = await this.send("Page.navigate", { url });
    if (nav.errorText) throw new Error(`navigation to ${url} failed: ${nav.errorText}`);
    await loaded;
  }

  /** Evaluates `expression` in the page and returns its value (JSON-serialisable). */
  async evaluate(expression: string): Promise<Json> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`page threw: ${JSON.stringify(r.exceptionDetails)}`);
    return r.result.value;
  }

  /** A PNG screenshot of the whole page, or of `clip` (CSS pixels, page coordinates). */
  async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
    const params: Json = { format: "png", captureBeyondViewport: true };
    if (clip) params.clip = { ...clip, scale: 1 };
    const { data } = await this.send("Page.captureScreenshot", params);
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  }

  /** Errors the page reported: console.error calls, uncaught exceptions, and error log entries (failed loads). */
  errors(): string[] {
    const out: string[] = [];
    for (const e of this.events) {
      if (
        e.method === "Runtime.consoleAPICalled" && (e.params.type === "error" || e.params.type === "assert")
      ) {
        out.push(
          `console.${e.params.type}: ${e.params.args.map((a: Json) => a.value ?? a.description).join(" ")}`,
        );
      } else if (e.method === "Runtime.exceptionThrown") {
        out.push(
          `exception: ${e.params.exceptionDetails.exception?.description ?? e.params.exceptionDetails.text}`,
        );
      } else if (e.method === "Log.entryAdded" && e.params.entry.level === "error") {
        out.push(`log: ${e.params.entry.text} ${e.params.entry.url ?? ""}`.trim());
      }
    }
    return out;
  }

  /** Closes the browser and removes its profile directory. */
  async close(): Promise<void> {
    try {
      await this.send("Browser.close", {}, false).catch(() => undefined);
    } finally {
      this.socket.close();
      try {
        this.child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await this.child.status;
      await Deno.remove(this.profile, { recursive: true }).catch(() => undefined);
    }
  }
}

/** Reads Chromium's stderr until `DevTools listening on ws://…`, then keeps draining it in the background. */
async function readWsUrl(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (m) {
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => undefined);
      return m[1];
    }
  }
  throw new Error(`Chromium did not report a DevTools address; stderr: ${text.slice(-2000)}`);
}
