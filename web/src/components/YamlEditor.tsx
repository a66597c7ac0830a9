import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { Annotation, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { basicSetup } from 'codemirror';
import { useEffect, useLayoutEffect, useRef } from 'react';

/**
 * The colours of YAML, as CSS variables that styles.css sets for the light
 * and the dark theme: a theme switch recolours an open editor, and every
 * colour keeps its contrast on the theme's background (CodeMirror's default
 * style is made for a white page only: its dark blue keys were nearly
 * invisible on the dark theme's grey).
 */
export const highlight = HighlightStyle.define([
  { tag: tags.definition(tags.propertyName), color: 'var(--ke-code-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--ke-code-string)' },
  { tag: [tags.number, tags.bool, tags.atom, tags.null, tags.labelName], color: 'var(--ke-code-atom)' },
  { tag: [tags.keyword, tags.typeName], color: 'var(--ke-code-keyword)' },
  { tag: [tags.comment, tags.lineComment, tags.meta], color: 'var(--ke-code-comment)' },
  { tag: tags.invalid, color: 'var(--ke-code-invalid)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--pf-t--global--text--color--regular)', backgroundColor: 'var(--pf-t--global--background--color--primary--default)' },
  '.cm-content': { caretColor: 'var(--pf-t--global--text--color--regular)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--pf-t--global--text--color--regular)' },
  '.cm-gutters': { color: 'var(--pf-t--global--text--color--subtle)', backgroundColor: 'var(--pf-t--global--background--color--secondary--default)', borderRight: '1px solid var(--pf-t--global--border--color--default)' },
  '.cm-activeLine': { backgroundColor: 'var(--ke-code-active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--ke-code-active-line)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'var(--ke-code-selection)' },
  '.cm-matchingBracket': { backgroundColor: 'var(--ke-code-selection)', color: 'inherit' },
});

/** fromOutside marks the changes that set the editor's text from its value prop, which are not the user's edits. */
const fromOutside = Annotation.define<boolean>();

/**
 * YamlEditor is a CodeMirror editor for YAML. It is loaded only where it is
 * used, so it stays out of the first load. onChange is called for the
 * user's edits only: a new value given by the page replaces the text
 * without being reported back as an edit.
 */
export default function YamlEditor({ value, onChange, readOnly, label }: { value: string; onChange?: (v: string) => void; readOnly?: boolean; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  // The editor is made once and calls the latest onChange.
  const change = useRef(onChange);
  useLayoutEffect(() => {
    change.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          syntaxHighlighting(highlight),
          theme,
          EditorState.readOnly.of(!!readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-test': 'yaml-editor' }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && u.transactions.some((tr) => tr.docChanged && !tr.annotation(fromOutside))) change.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once; value changes from outside are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly, label]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value }, annotations: fromOutside.of(true) });
    }
  }, [value]);

  // The host scrolls a long document: it takes the focus, so that the
  // keyboard scrolls it too (the editor itself is reached inside it).
  return <div ref={host} className="ke-yaml-editor" data-test="yaml-editor-host" tabIndex={0} role="region" aria-label={label} />;
}
