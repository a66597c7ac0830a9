/**
 * readText reads a response body as text as it comes: each chunk is decoded
 * (a character cut between two chunks is kept for the next) and given to
 * onText, until the body ends or signal aborts the read. It resolves when
 * the stream is done, with whether it ended (rather than was aborted).
 */
export async function readText(body: ReadableStream<Uint8Array>, onText: (text: string) => void, signal?: AbortSignal): Promise<boolean> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) return false;
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        if (signal?.aborted) return false;
        throw e;
      }
      if (r.done) {
        const rest = decoder.decode();
        if (rest) onText(rest);
        return !signal?.aborted;
      }
      const text = decoder.decode(r.value, { stream: true });
      if (text && !signal?.aborted) onText(text);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    reader.releaseLock();
  }
}

/** LogBuffer keeps the end of a log: at most max characters, cut at a line's start, and says whether it was cut. */
export class LogBuffer {
  private text = '';
  cut = false;
  constructor(private readonly max = 1_000_000) {}
  append(chunk: string): string {
    this.text += chunk;
    if (this.text.length > this.max) {
      const from = this.text.length - this.max;
      const nl = this.text.indexOf('\n', from);
      this.text = this.text.slice(nl >= 0 ? nl + 1 : from);
      this.cut = true;
    }
    return this.text;
  }
  get value(): string {
    return this.text;
  }
}
