/**
 * A reference process (PyTorch / SciPy, `scripts/bench_torch*.py`) kept running through a suite and asked
 * for one case's timings at a time over JSON lines (`scripts/torch_timing.py` `serve`), so that freqlens'
 * and the reference's timings of the same case alternate seconds apart: on a shared VM a figure drifts by
 * tens of percent over minutes, and timing one side's whole suite before the other's put that drift into
 * the ratios.
 */

/**
 * glibc malloc settings for the reference process: freed memory stays in the process (no `mmap` per large
 * block, no trimming) and is reused, as PyTorch's CPU tuning guide gets by preloading jemalloc or tcmalloc.
 * With glibc's defaults each large tensor is a fresh `mmap` whose pages fault in on first touch, which on
 * this project's VMs made PyTorch's ResNet-20 input gradient 333 ms per batch of 128 against 100 ms with
 * these (training step 332 → 144 ms; forward unchanged at 38–40 ms). freqlens' tensors live in the wasm
 * heap, which never returns memory, so it pays no such faults; without these the reference was not PyTorch
 * at its best.
 */
export const REFERENCE_MALLOC_ENV: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: String(2 ** 32),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 32),
  MALLOC_TOP_PAD_: String(2 ** 30),
};

/** A running reference: it printed one JSON line (`hello`) when ready and answers each request with one. */
export class ReferenceWorker {
  /** What the reference said when ready (its threads, layouts, parity checks…). */
  hello: Record<string, unknown> = {};
  private buffered = "";
  private stderr = "";
  private readonly stderrDone: Promise<void>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamDefaultReader<string>;

  private constructor(private readonly child: Deno.ChildProcess) {
    this.writer = child.stdin.getWriter();
    this.reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.stderrDone = (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr = (this.stderr + chunk).slice(-2000);
      }
    })();
  }

  /** Starts `command args…` (with `env` added to this process's environment) and waits for its first
   * line; a string saying why when it cannot start. */
  static async start(
    command: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<ReferenceWorker | string> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command, { args, env, stdin: "piped", stdout: "piped", stderr: "piped" })
        .spawn();
    } catch (e) {
      return `reference unavailable: ${(e as Error).message}`;
    }
    const worker = new ReferenceWorker(child);
    try {
      worker.hello = await worker.line();
      return worker;
    } catch (e) {
      await worker.close();
      return (e as Error).message;
    }
  }

  /** Sends `request` and returns the reference's reply; throws with the reference's error (or its last
   * stderr when it died). */
  async request(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.writer.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
    const reply = await this.line();
    if (typeof reply.error === "string") {
      throw new Error(`reference failed on ${JSON.stringify(request)}: ${reply.error}`);
    }
    return reply;
  }

  /** Closes the reference's stdin (it exits) and waits for it. */
  async close(): Promise<void> {
    await this.writer.close().catch(() => {});
    await this.reader.cancel().catch(() => {});
    await this.child.status;
  }

  /** The next JSON line of the reference's stdout. */
  private async line(): Promise<Record<string, unknown>> {
    while (!this.buffered.includes("\n")) {
      const { value, done } = await this.reader.read();
      if (done) {
        const status = await this.child.status;
        await this.stderrDone;
        throw new Error(
          `reference exited (code ${status.code}) before answering: ${this.stderr.slice(-800)}`,
        );
      }
      this.buffered += value;
    }
    const end = this.buffered.indexOf("\n");
    const text = this.buffered.slice(0, end);
    this.buffered = this.buffered.slice(end + 1);
    return JSON.parse(text);
  }
}
