import { Progress, ProgressMeasureLocation, ProgressSize, ProgressVariant } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { formatValue } from './units';

/** usageVariant colours a use: a warning from 80 %, a danger from 90 %. */
export function usageVariant(ratio: number): ProgressVariant | undefined {
  if (ratio >= 0.9) return ProgressVariant.danger;
  if (ratio >= 0.8) return ProgressVariant.warning;
  return undefined;
}

/**
 * UsageBar shows what is used of a capacity ("1.2 cores of 4 cores", 30 %)
 * as a bar; without a capacity, the use alone.
 */
export function UsageBar({ title, used, total, unit, test, size }: { title: string; used: number | null; total: number | null; unit: string; test: string; size?: 'sm' | 'md' }) {
  const { t, i18n } = useTranslation('monitoring');
  const lang = i18n.language;
  const ratio = used !== null && total ? used / total : null;
  const label =
    total !== null
      ? t('{{used}} of {{total}}', { used: formatValue(used, unit, t, lang), total: formatValue(total, unit, t, lang) })
      : formatValue(used, unit, t, lang);
  return (
    <Progress
      title={title}
      value={ratio === null ? 0 : Math.min(100, ratio * 100)}
      label={ratio === null ? label : `${label} (${formatValue(ratio, 'ratio', t, lang)})`}
      valueText={label}
      measureLocation={ProgressMeasureLocation.outside}
      variant={ratio === null ? undefined : usageVariant(ratio)}
      size={size === 'sm' ? ProgressSize.sm : undefined}
      aria-label={title}
      data-test={`usage-${test}`}
    />
  );
}
