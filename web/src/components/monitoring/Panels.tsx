import { Flex, FlexItem, Gallery, Stack, Title } from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { TimeRangePicker, type TimeRangeState } from './TimeRangePicker';

/** MonitoringSection is a titled group of charts with the time-range picker they share. */
export function MonitoringSection({ title, range, children, test }: { title: string; range?: TimeRangeState; children: ReactNode; test: string }) {
  return (
    <Stack hasGutter data-test={`monitoring-${test}`}>
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <FlexItem>
          <Title headingLevel="h2">{title}</Title>
        </FlexItem>
        {range && (
          <FlexItem>
            <TimeRangePicker state={range} />
          </FlexItem>
        )}
      </Flex>
      {children}
    </Stack>
  );
}

/** ChartGrid lays charts out side by side, as many as the width takes. */
export function ChartGrid({ children }: { children: ReactNode }) {
  return (
    <Gallery hasGutter minWidths={{ default: '100%', md: '340px' }}>
      {children}
    </Gallery>
  );
}
