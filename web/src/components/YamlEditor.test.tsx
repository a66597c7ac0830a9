import { render, waitFor } from '@testing-library/react';
import YamlEditor from './YamlEditor';

function text(container: HTMLElement): string {
  return [...container.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n');
}

// jsdom lays nothing out; CodeMirror measures text ranges.
beforeAll(() => {
  const empty = () => ({ length: 0, item: () => null, [Symbol.iterator]: [][Symbol.iterator] }) as unknown as DOMRectList;
  Range.prototype.getClientRects = empty;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
});

describe('YamlEditor', () => {
  it('takes a new value from the page without reporting it back as an edit', async () => {
    const onChange = vi.fn();
    const { container, rerender } = render(<YamlEditor value={'replicas: 1'} onChange={onChange} label="YAML" />);
    await waitFor(() => expect(text(container)).toBe('replicas: 1'));
    // The page sets the text (the object the server holds after an apply):
    // the editor shows it, and the page's own state is not overwritten with it.
    rerender(<YamlEditor value={'replicas: 2\ngeneration: 2'} onChange={onChange} label="YAML" />);
    await waitFor(() => expect(text(container)).toBe('replicas: 2\ngeneration: 2'));
    expect(onChange).not.toHaveBeenCalled();
  });
});
