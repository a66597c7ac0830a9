import { Button, Flex, FlexItem, FormSelect, FormSelectOption, TextInput, ToggleGroup, ToggleGroupItem } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { rangeKeys, refreshKeys, type RangeKey, type Refresh, type TimeRange } from '../../api/monitoring';

/** TimeRangeState is a page's chosen range and auto-refresh, shared by its charts. */
export interface TimeRangeState {
  range: TimeRange;
  setRange: (r: TimeRange) => void;
  refresh: Refresh;
  setRefresh: (r: Refresh) => void;
}

/** useTimeRange holds a page's time range (the last hour at first) and auto-refresh (off at first). */
export function useTimeRange(initial: RangeKey = '1h'): TimeRangeState {
  const [range, setRange] = useState<TimeRange>({ key: initial });
  const [refresh, setRefresh] = useState<Refresh>('off');
  return { range, setRange, refresh, setRefresh };
}

/** localInput shows Unix seconds as a datetime-local input's value, in the browser's time zone. */
export function localInput(sec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** fromLocalInput reads a datetime-local input's value as Unix seconds, or undefined. */
export function fromLocalInput(v: string): number | undefined {
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

/**
 * TimeRangePicker chooses the range the charts show (15m ... 7d, or a
 * custom start and end) and how often they read again.
 */
export function TimeRangePicker({ state }: { state: TimeRangeState }) {
  const { t } = useTranslation('monitoring');
  const { range, setRange, refresh, setRefresh } = state;
  const [from, setFrom] = useState(() => localInput(range.start ?? Math.floor(Date.now() / 1000) - 3600));
  const [to, setTo] = useState(() => localInput(range.end ?? Math.floor(Date.now() / 1000)));
  const [custom, setCustom] = useState(range.key === 'custom');
  const start = fromLocalInput(from);
  const end = fromLocalInput(to);
  const customValid = start !== undefined && end !== undefined && start < end;
  const labels: Record<RangeKey, string> = {
    '15m': t('15 minutes'),
    '1h': t('1 hour'),
    '6h': t('6 hours'),
    '24h': t('24 hours'),
    '7d': t('7 days'),
    custom: t('Custom'),
  };
  const refreshLabels: Record<Refresh, string> = { off: t('Auto-refresh off'), '15s': t('Every 15 seconds'), '1m': t('Every minute') };
  return (
    <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }} data-test="time-range">
      <FlexItem>
        <ToggleGroup isCompact aria-label={t('Time range')}>
          {rangeKeys.map((k) => (
            <ToggleGroupItem
              key={k}
              text={labels[k]}
              buttonId={`range-${k}`}
              isSelected={k === 'custom' ? custom : !custom && range.key === k}
              onChange={() => {
                if (k === 'custom') {
                  setCustom(true);
                  return;
                }
                setCustom(false);
                setRange({ key: k });
              }}
              data-test={`range-${k}`}
            />
          ))}
        </ToggleGroup>
      </FlexItem>
      {custom && (
        <>
          <FlexItem>
            <TextInput type="datetime-local" aria-label={t('From')} value={from} onChange={(_e, v) => setFrom(v)} data-test="range-from" validated={customValid ? 'default' : 'error'} />
          </FlexItem>
          <FlexItem>
            <TextInput type="datetime-local" aria-label={t('To')} value={to} onChange={(_e, v) => setTo(v)} data-test="range-to" validated={customValid ? 'default' : 'error'} />
          </FlexItem>
          <FlexItem>
            <Button variant="secondary" size="sm" isDisabled={!customValid} onClick={() => customValid && setRange({ key: 'custom', start, end })} data-test="range-apply">
              {t('Apply')}
            </Button>
          </FlexItem>
        </>
      )}
      <FlexItem>
        <FormSelect aria-label={t('Auto-refresh')} value={refresh} onChange={(_e, v) => setRefresh(v as Refresh)} data-test="refresh">
          {refreshKeys.map((r) => (
            <FormSelectOption key={r} value={r} label={refreshLabels[r]} />
          ))}
        </FormSelect>
      </FlexItem>
    </Flex>
  );
}
