import { render, waitFor } from '@testing-library/react';
import '../../i18n';
import type { Pod } from '../../api/types';
import PodTerminal from './PodTerminal';

function pod(resourceVersion: string, phase: string): Pod {
  return {
    metadata: { name: 'web-1', namespace: 'dev', resourceVersion },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
    status: { phase },
  };
}

class FakeWebSocket {
  static OPEN = 1;
  static all: FakeWebSocket[] = [];
  readyState = 0;
  binaryType = '';
  closed = false;
  onopen?: () => void;
  onmessage?: (ev: { data: ArrayBuffer }) => void;
  onclose?: () => void;
  constructor(readonly url: string) {
    FakeWebSocket.all.push(this);
  }
  send() {}
  close() {
    this.closed = true;
  }
}

describe('PodTerminal', () => {
  beforeEach(() => {
    FakeWebSocket.all = [];
    vi.stubGlobal('WebSocket', FakeWebSocket);
    // xterm asks for the display's pixel ratio; jsdom has no media queries.
    vi.stubGlobal('matchMedia', () => ({ matches: false, addListener() {}, removeListener() {}, addEventListener() {}, removeEventListener() {} }));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('keeps its shell when the live pod object changes but stays the same pod', async () => {
    const { rerender } = render(<PodTerminal pod={pod('1', 'Pending')} />);
    await waitFor(() => expect(FakeWebSocket.all).toHaveLength(1));
    expect(FakeWebSocket.all[0].url).toContain('/api/v1/namespaces/dev/pods/web-1/exec?container=app');
    rerender(<PodTerminal pod={pod('2', 'Running')} />);
    await new Promise((r) => setTimeout(r, 50));
    expect(FakeWebSocket.all).toHaveLength(1);
    expect(FakeWebSocket.all[0].closed).toBe(false);
  });
});
