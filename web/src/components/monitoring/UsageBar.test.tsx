import { render } from '@testing-library/react';
import '../../i18n';
import { UsageBar, type BarKind } from './UsageBar';

function colour(kind: BarKind, used: number, total: number): string {
  const { container } = render(<UsageBar title="t" used={used} total={total} unit="count" test="x" kind={kind} />);
  const bar = container.querySelector('[data-test="usage-x"]')!;
  return ['danger', 'warning', 'success'].find((v) => bar.className.includes(`pf-m-${v}`)) ?? 'none';
}

describe('UsageBar colours by what it measures', () => {
  it('fills a use towards danger, says a whole health share is good and a partial one is not, and leaves a plain share alone', () => {
    expect(colour('use', 95, 100)).toBe('danger');
    expect(colour('use', 85, 100)).toBe('warning');
    expect(colour('use', 10, 100)).toBe('none');
    // Every node online is good news, not a full disk.
    expect(colour('health', 2, 2)).toBe('success');
    expect(colour('health', 1, 2)).toBe('danger');
    // Pods running of all pods: completed pods count, so no colour either way.
    expect(colour('share', 3, 3)).toBe('none');
    expect(colour('share', 1, 3)).toBe('none');
  });
});

describe('UsageBar figures', () => {
  it('shows the figures of the unit, or of the formatter given', () => {
    const { container } = render(<UsageBar title="t" used={0.5} total={2} unit="cores" test="cpu" />);
    expect(container.querySelector('[data-test="usage-cpu"]')?.textContent).toContain('500 millicores of 2 cores (25%)');
    const { container: c2 } = render(<UsageBar title="t" used={1.5} total={4} unit="bytes" test="mem" format={(v) => `${v} Gi`} />);
    expect(c2.querySelector('[data-test="usage-mem"]')?.textContent).toContain('1.5 Gi of 4 Gi (38%)');
  });
});
