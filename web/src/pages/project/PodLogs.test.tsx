import { render, waitFor } from '@testing-library/react';
import '../../i18n';
import type { Pod } from '../../api/types';
import { PodLogs } from './PodLogs';

function pod(resourceVersion: string, phase: string): Pod {
  return {
    metadata: { name: 'web-1', namespace: 'dev', resourceVersion },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
    status: { phase },
  };
}

describe('PodLogs', () => {
  let streams: string[];
  beforeEach(() => {
    streams = [];
    // Each request gets a log stream that sends one line and stays open, as a followed log does.
    vi.stubGlobal('fetch', vi.fn((u: string) => {
      streams.push(u);
      const n = streams.length;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(new TextEncoder().encode(`line from stream ${n}\n`));
        },
      });
      return Promise.resolve(new Response(body, { status: 200 }));
    }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('keeps its stream and its text when the live pod object changes but stays the same pod', async () => {
    const { rerender, container } = render(<PodLogs pod={pod('1', 'Pending')} />);
    const logs = () => container.querySelector('[data-test="logs"]');
    await waitFor(() => expect(logs()).toHaveTextContent('line from stream 1'));
    expect(streams).toHaveLength(1);
    expect(streams[0]).toContain('/api/v1/namespaces/dev/pods/web-1/log?container=app');
    rerender(<PodLogs pod={pod('2', 'Running')} />);
    await new Promise((r) => setTimeout(r, 50));
    expect(streams).toHaveLength(1);
    expect(logs()).toHaveTextContent('line from stream 1');
  });

  it('starts over for another pod', async () => {
    const { rerender, container } = render(<PodLogs pod={pod('1', 'Running')} />);
    await waitFor(() => expect(container.querySelector('[data-test="logs"]')).toHaveTextContent('line from stream 1'));
    rerender(<PodLogs pod={{ ...pod('1', 'Running'), metadata: { name: 'web-2', namespace: 'dev' } }} />);
    await waitFor(() => expect(container.querySelector('[data-test="logs"]')).toHaveTextContent('line from stream 2'));
    expect(container.querySelector('[data-test="logs"]')).not.toHaveTextContent('line from stream 1');
    expect(streams[1]).toContain('/pods/web-2/log');
  });
});
