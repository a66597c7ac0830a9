import { Flex, FlexItem, FormSelect, FormSelectOption, HelperText, HelperTextItem } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { clusterParam, hostCluster, useChooseCluster, useCluster } from '../api/cluster';
import { useClusters, type Cluster } from '../api/clusters';
import { readiness } from '../pages/platform/clusterLogic';

/** The clusters the switcher offers: all a caller may use on one page, by name. */
const allClusters = { limit: 100, sortBy: 'name', ascending: true };

/** clusterOptionLabel is a cluster's name with its Ready state, as the switcher lists it. */
export function clusterOptionLabel(c: Cluster, t: TFunction): string {
  const r = readiness(c).status;
  const state = r === 'True' ? t('ready') : r === 'False' ? t('not ready') : t('state unknown');
  return t('{{name}} ({{state}})', { name: c.metadata.name, state });
}

/**
 * ClusterSwitcher chooses the cluster a cluster page shows, among those the
 * user may use, with their Ready state; the choice goes into the URL
 * (?cluster=), so that links and reloads keep it. With one cluster only
 * (the host) it shows nothing. to, when set, is the page to open on another
 * cluster (a node's page opens the list of the other cluster's nodes).
 */
export function ClusterSwitcher({ to }: { to?: string }) {
  const { t } = useTranslation('common');
  const cluster = useCluster();
  const choose = useChooseCluster();
  const navigate = useNavigate();
  const clusters = useClusters(allClusters);
  const items = clusters.data?.items ?? [];
  if (items.length < 2 && cluster === hostCluster) return null;
  const current = items.find((c) => c.metadata.name === cluster);
  const notReady = current && readiness(current).status === 'False' ? readiness(current) : undefined;
  const onChange = (v: string) => {
    if (to) void navigate(`${to}?${clusterParam}=${encodeURIComponent(v)}`);
    else choose(v);
  };
  return (
    <Flex direction={{ default: 'column' }} spaceItems={{ default: 'spaceItemsXs' }} data-test="cluster-switcher">
      <Flex alignItems={{ default: 'alignItemsCenter' }} spaceItems={{ default: 'spaceItemsSm' }} flexWrap={{ default: 'nowrap' }}>
        <FlexItem>
          <label htmlFor="cluster-switcher-select">{t('Cluster')}</label>
        </FlexItem>
        <FlexItem>
          <FormSelect id="cluster-switcher-select" value={cluster} onChange={(_e, v) => onChange(v)} data-test="cluster-switcher-select" ouiaId="cluster-switcher">
            {!current && <FormSelectOption value={cluster} label={cluster} />}
            {items.map((c) => (
              <FormSelectOption key={c.metadata.name} value={c.metadata.name} label={clusterOptionLabel(c, t)} />
            ))}
          </FormSelect>
        </FlexItem>
      </Flex>
      {notReady && (
        <HelperText>
          <HelperTextItem variant="warning" data-test="cluster-not-ready">
            {t('Cluster {{name}} is not ready: {{reason}}', { name: cluster, reason: notReady.message ?? notReady.reason ?? '' })}
          </HelperTextItem>
        </HelperText>
      )}
    </Flex>
  );
}
