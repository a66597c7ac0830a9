import { ActionGroup, Button, Stack, StackItem, Title } from '@patternfly/react-core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCluster } from '../api/cluster';
import type { KindInfo } from '../api/kinds';
import { readObject, replaceObject, useInvalidate } from '../api/mutations';
import type { K8sObject } from '../api/types';
import { forEditing, fromYAML, toYAML } from '../api/yaml';
import { DiffView } from './DiffView';
import { ErrorAlert } from './ErrorAlert';
import { useToast } from './Toast';

const YamlEditor = lazy(() => import('./YamlEditor'));

/**
 * YamlTab shows an object's manifest. Those who may update it edit it; the
 * change is first sent as a server-side dry run and the difference shown,
 * then applied.
 */
export function YamlTab({ kind, namespace, name, canEdit }: { kind: KindInfo; namespace?: string; name: string; canEdit: boolean }) {
  const { t } = useTranslation('common');
  const invalidate = useInvalidate();
  const toast = useToast();
  const cluster = useCluster();
  const obj = useQuery({ queryKey: ['object', kind.resource, namespace, name, cluster], queryFn: () => readObject<K8sObject>(kind, namespace, name, cluster) });
  const [text, setText] = useState<string>();
  const [preview, setPreview] = useState<{ before: string; after: string; object: K8sObject }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (obj.error) return <ErrorAlert error={obj.error} onRetry={() => void obj.refetch()} />;
  if (!obj.data) return null;
  const original = toYAML(forEditing(obj.data));
  const current = text ?? original;

  const review = async () => {
    setError(undefined);
    setBusy(true);
    try {
      const edited = fromYAML(current);
      const dry = await replaceObject(kind, namespace, edited, true, cluster);
      setPreview({ before: original, after: toYAML(forEditing(dry)), object: edited });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const apply = async () => {
    if (!preview) return;
    setBusy(true);
    setError(undefined);
    try {
      await replaceObject(kind, namespace, preview.object, false, cluster);
      invalidate(kind.resource);
      // Show what the server now holds (its new resourceVersion, defaults,
      // what controllers changed), not the text that was sent.
      await obj.refetch();
      setPreview(undefined);
      setText(undefined);
      toast.success(t('Saved.'), t('{{kind}} {{name}} is changed.', { kind: kind.kind, name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack hasGutter>
      <StackItem>
        <Suspense fallback={<pre>{current}</pre>}>
          <YamlEditor value={current} onChange={canEdit ? setText : undefined} readOnly={!canEdit} label={t('YAML of {{name}}', { name })} />
        </Suspense>
      </StackItem>
      {error ? <ErrorAlert error={error} /> : null}
      {preview && (
        <StackItem>
          <Title headingLevel="h3">{t('Changes the server would make')}</Title>
          <DiffView before={preview.before} after={preview.after} />
        </StackItem>
      )}
      {canEdit && (
        <ActionGroup>
          {!preview ? (
            <Button onClick={() => void review()} isDisabled={busy || current === original} isLoading={busy} data-test="yaml-review">
              {t('Review changes')}
            </Button>
          ) : (
            <>
              <Button onClick={() => void apply()} isLoading={busy} isDisabled={busy} data-test="yaml-apply">
                {t('Apply')}
              </Button>
              <Button variant="secondary" onClick={() => setPreview(undefined)} data-test="yaml-back">
                {t('Back to editing')}
              </Button>
            </>
          )}
          <Button
            variant="link"
            onClick={() => {
              setText(undefined);
              setPreview(undefined);
              setError(undefined);
            }}
          >
            {t('Reset')}
          </Button>
        </ActionGroup>
      )}
    </Stack>
  );
}
