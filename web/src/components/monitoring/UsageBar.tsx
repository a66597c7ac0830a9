import { Progress, ProgressMeasureLocation, ProgressSize, ProgressVariant } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { formatValue } from './units';

/** usageVariant colours a use: a warning from 80 %, a danger from 90 %. */
export function usageVariant(ratio: number): ProgressVariant | undefined {
  if (ratio >= 0.9) return ProgressVariant.danger;
  if (ratio >= 0.8) return ProgressVariant.warning;
  return undefined;
}

/** healthVariant colours a share that should be whole (nodes online): success when it is, a danger when not. */
export function healthVariant(ratio: number): ProgressVariant {
  return ratio >= 1 ? ProgressVariant.success : ProgressVariant.danger;
}

/**
 * What a bar measures, which decides its colours: a use of a capacity
 * ("use", warning and danger as it fills), a share that says nothing good
 * or bad by itself ("share", pods running of all pods: completed ones
 * count), or a share that should be whole ("health", nodes online).
 */
export type BarKind = 'use' | 'share' | 'health';

function variantOf(kind: BarKind, ratio: number): ProgressVariant | undefined {
  if (kind === 'share') return undefined;
  return kind === 'health' ? healthVariant(ratio) : usageVariant(ratio);
}

/**
 * UsageBar shows what is used of a capacity ("1.2 cores of 4 cores", 30 %)
 * as a bar; without a capacity, the use alone. format, when given, shows
 * the figures instead of the unit's own formatting (a quota's 4 Gi).
 */
export function UsageBar({
  title,
  used,
  total,
  unit,
  test,
  size,
  kind = 'use',
  format,
}: {
  title: string;
  used: number | null;
  total: number | null;
  unit: string;
  test: string;
  size?: 'sm' | 'md';
  kind?: BarKind;
  format?: (v: number | null) => string;
}) {
  const { t, i18n } = useTranslation('monitoring');
  const lang = i18n.language;
  const ratio = used !== null && total ? used / total : null;
  const show = format ?? ((v: number | null) => formatValue(v, unit, t, lang));
  const label = total !== null ? t('{{used}} of {{total}}', { used: show(used), total: show(total) }) : show(used);
  return (
    <Progress
      title={title}
      value={ratio === null ? 0 : Math.min(100, ratio * 100)}
      label={ratio === null ? label : `${label} (${formatValue(ratio, 'ratio', t, lang)})`}
      valueText={label}
      measureLocation={ProgressMeasureLocation.outside}
      variant={ratio === null ? undefined : variantOf(kind, ratio)}
      size={size === 'sm' ? ProgressSize.sm : undefined}
      aria-label={title}
      data-test={`usage-${test}`}
    />
  );
}
