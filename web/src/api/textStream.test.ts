import { describe, expect, it } from 'vitest';
import { LogBuffer, readText } from './textStream';

function streamOf(chunks: Uint8Array[], keepOpen = false): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const x of chunks) c.enqueue(x);
      if (!keepOpen) c.close();
    },
  });
}

describe('readText', () => {
  it('gives the text as it comes and says the stream ended', async () => {
    const enc = new TextEncoder();
    const got: string[] = [];
    const ended = await readText(streamOf([enc.encode('one\n'), enc.encode('two\n')]), (t) => got.push(t));
    expect(ended).toBe(true);
    expect(got.join('')).toBe('one\ntwo\n');
  });

  it('keeps a character cut between two chunks whole', async () => {
    const bytes = new TextEncoder().encode('빌드 ok');
    const got: string[] = [];
    await readText(streamOf([bytes.slice(0, 2), bytes.slice(2, 4), bytes.slice(4)]), (t) => got.push(t));
    expect(got.join('')).toBe('빌드 ok');
    expect(got.every((t) => !t.includes('\uFFFD'))).toBe(true);
  });

  it('stops when aborted, on a stream that goes on', async () => {
    const ctl = new AbortController();
    const got: string[] = [];
    const done = readText(streamOf([new TextEncoder().encode('first\n')], true), (t) => {
      got.push(t);
      ctl.abort();
    }, ctl.signal);
    await expect(done).resolves.toBe(false);
    expect(got).toEqual(['first\n']);
  });
});

describe('LogBuffer', () => {
  it('keeps the end of a long log from a line start', () => {
    const b = new LogBuffer(10);
    b.append('aaaa\nbbbb\n');
    expect(b.cut).toBe(false);
    expect(b.append('cccc\n')).toBe('cccc\n');
    expect(b.cut).toBe(true);
  });
});
