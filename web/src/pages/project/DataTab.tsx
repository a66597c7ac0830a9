import { Button, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCluster } from '../../api/cluster';
import { kinds } from '../../api/kinds';
import { readObject } from '../../api/mutations';
import type { K8sObject } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';

function decode(b64: string): string {
  try {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return b64;
  }
}

/**
 * DataTab lists a ConfigMap's or Secret's keys. A Secret's values are not in
 * the list engine's copy; they are read from Kubernetes only when revealed.
 */
export function DataTab({ object, secret, canReveal }: { object: K8sObject; secret: boolean; canReveal: boolean }) {
  const { t } = useTranslation('project');
  const cluster = useCluster();
  const [values, setValues] = useState<Record<string, string>>();
  const [error, setError] = useState<unknown>();
  const keys = secret ? (object.metadata.annotations?.['superkube.io/data-keys'] ?? '').split(',').filter(Boolean) : Object.keys(object.data ?? {});
  const reveal = async () => {
    try {
      const s = await readObject<K8sObject>(kinds.secrets, object.metadata.namespace, object.metadata.name, cluster);
      setValues(Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)])));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      {secret && canReveal && (
        <Button variant="secondary" onClick={() => (values ? setValues(undefined) : void reveal())} data-test="reveal" className="pf-v6-u-my-md">
          {values ? t('Hide values') : t('Reveal values')}
        </Button>
      )}
      {error ? <ErrorAlert error={error} /> : null}
      <DescriptionList isCompact data-test="data">
        {keys.map((k) => (
          <DescriptionListGroup key={k}>
            <DescriptionListTerm>{k}</DescriptionListTerm>
            <DescriptionListDescription>
              <pre data-test={`value-${k}`}>{secret ? (values ? values[k] : '••••••••') : object.data?.[k]}</pre>
            </DescriptionListDescription>
          </DescriptionListGroup>
        ))}
      </DescriptionList>
    </>
  );
}
