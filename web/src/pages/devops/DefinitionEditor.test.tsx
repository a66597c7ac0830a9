import { act, configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { EditorView } from '@codemirror/view';
import type { Definition } from '../../api/devops';
import '../../i18n';
import { DefinitionEditor } from './DefinitionEditor';

configure({ testIdAttribute: 'data-test' });
vi.setConfig({ testTimeout: 30_000 });

// jsdom lays nothing out; CodeMirror measures text ranges.
beforeAll(() => {
  const empty = () => ({ length: 0, item: () => null, [Symbol.iterator]: [][Symbol.iterator] }) as unknown as DOMRectList;
  Range.prototype.getClientRects = empty;
  Range.prototype.getBoundingClientRect = () => new DOMRect();
});

function yamlText(container: HTMLElement): string {
  return [...container.querySelectorAll('.cm-line')].map((l) => l.textContent).join('\n');
}

function Editor({ start, seen }: { start: Definition; seen: (d: Definition) => void }) {
  const [d, setD] = useState(start);
  return (
    <DefinitionEditor
      value={d}
      onChange={(x) => {
        seen(x);
        setD(x);
      }}
    />
  );
}

describe('the definition editor', () => {
  it('keeps the graph and the YAML in step: stages and steps added in the graph show in the YAML', async () => {
    const seen = vi.fn();
    const { container } = render(<Editor start={{ stages: [{ name: 'build', steps: [{ name: 'compile', shell: { script: 'make' } }] }] }} seen={seen} />);
    fireEvent.click(screen.getByTestId('add-stage'));
    const second = screen.getByTestId('stage-1');
    expect(within(second).getByTestId('stage-name')).toHaveTextContent('stage-2');
    fireEvent.click(within(second).getByTestId('stage-1-add-step'));
    fireEvent.click(within(screen.getByTestId('stage-1-step-0')).getByTestId('step-edit'));
    fireEvent.change(screen.getByTestId('step-script'), { target: { value: 'echo two' } });
    expect(seen).toHaveBeenLastCalledWith({
      stages: [
        { name: 'build', steps: [{ name: 'compile', shell: { script: 'make' } }] },
        { name: 'stage-2', steps: [{ name: 'shell', shell: { script: 'echo two' } }] },
      ],
    });
    fireEvent.click(within(screen.getByTestId('definition-view-yaml')).getByRole('button'));
    await waitFor(() => expect(yamlText(container)).toContain('name: stage-2'), { timeout: 15_000 });
    expect(yamlText(container)).toContain('script: echo two');

    // Typing in the YAML: a text that is no definition names its line and leaves the graph as it was.
    const view = EditorView.findFromDOM(container.querySelector('.cm-editor') as HTMLElement)!;
    const type = (text: string) => act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
    const calls = seen.mock.calls.length;
    type('stages:\n  - name: a\n    steps:\n      - name: x\n');
    expect(screen.getByTestId('yaml-problem')).toHaveAttribute('data-line', '4');
    expect(seen).toHaveBeenCalledTimes(calls);
    // A text that is one becomes the graph's definition.
    type('stages:\n  - name: only\n    steps:\n      - checkout: {}\n');
    expect(screen.queryByTestId('yaml-problem')).toBeNull();
    expect(seen).toHaveBeenLastCalledWith({ stages: [{ name: 'only', steps: [{ checkout: {} }] }] });
    fireEvent.click(within(screen.getByTestId('definition-view-graph')).getByRole('button'));
    expect(screen.getByTestId('stage-0')).toHaveAttribute('data-stage', 'only');
    expect(screen.queryByTestId('stage-1')).toBeNull();
  });

  it('turns a stage into parallel branches side by side, with a kind changed in the step form', () => {
    const seen = vi.fn();
    render(<Editor start={{ stages: [{ name: 'test', steps: [{ name: 'unit', shell: { script: 'go test' } }] }] }} seen={seen} />);
    fireEvent.click(screen.getByTestId('stage-parallel'));
    fireEvent.click(screen.getByTestId('stage-0-add-branch'));
    expect(screen.getByTestId('stage-0-branch-0')).toHaveAttribute('data-branch', 'branch-1');
    expect(screen.getByTestId('stage-0-branch-1')).toHaveAttribute('data-branch', 'branch-2');
    fireEvent.click(within(screen.getByTestId('stage-0-branch-1')).getByTestId('stage-0-branch-1-add-step'));
    fireEvent.click(within(screen.getByTestId('stage-0-branch-1-step-0')).getByTestId('step-edit'));
    fireEvent.change(screen.getByTestId('step-kind-select'), { target: { value: 'input' } });
    fireEvent.change(screen.getByTestId('step-input-message'), { target: { value: 'Go on?' } });
    expect(seen).toHaveBeenLastCalledWith({
      stages: [
        {
          name: 'test',
          parallel: [
            { name: 'branch-1', steps: [{ name: 'unit', shell: { script: 'go test' } }] },
            { name: 'branch-2', steps: [{ name: 'shell', input: { message: 'Go on?' } }] },
          ],
        },
      ],
    });
  });
});
