import { Label, LabelGroup } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Capabilities } from '../../api/storage';
import { capabilityTags, type Capability } from './storageForm';

export function capabilityTitle(c: Capability, t: TFunction): string {
  switch (c) {
    case 'snapshot':
      return t('Snapshot');
    case 'clone':
      return t('Clone');
    case 'expand':
      return t('Expand');
  }
}

/** CapabilityTags shows what a class's volumes can do as tags, or a dash when nothing. */
export function CapabilityTags({ capabilities, test }: { capabilities: Capabilities | undefined; test: string }) {
  const { t } = useTranslation('storage');
  const tags = capabilityTags(capabilities);
  if (tags.length === 0) return <span data-test={`${test}-none`}>–</span>;
  return (
    <LabelGroup numLabels={3} data-test={test}>
      {tags.map((c) => (
        <Label key={c} isCompact color="blue" data-test={`${test}-${c}`}>
          {capabilityTitle(c, t)}
        </Label>
      ))}
    </LabelGroup>
  );
}
