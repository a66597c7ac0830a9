import {
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  Gallery,
  PageSection,
  Slider,
  Stack,
  StackItem,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useInvalidate } from '../../api/mutations';
import { decide, deleteStrategy, setWeight, useStrategy, useVersionMetrics, versionsAsMetrics, type Decision, type Strategy } from '../../api/servicemesh';
import { ConfirmAction } from '../../components/ConfirmAction';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { MetricChart } from '../../components/monitoring/MetricChart';
import { TimeRangePicker, useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess, PageError } from '../../components/PageState';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { Conditions, PhaseLabel, ReadyCondition, useMeshCan, useTypeText } from './parts';
import { describeMatch } from './strategyForm';
import { weightText } from './Strategies';

/**
 * A grayscale release: its two versions with their pods, how the traffic is
 * shared, a control to shift a canary's weight, Promote and Rollback, what
 * the controller made of it (a conflict or a version with no pods said
 * prominently, with its field), the VirtualService and DestinationRule it
 * generated, and both versions' request rate, error ratio and latency.
 */
export default function StrategyDetail() {
  const { namespace = '', name = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const can = useMeshCan(namespace);
  const typeText = useTypeText();
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const toast = useToast();
  const strategy = useStrategy(namespace, name);
  const [deciding, setDeciding] = useState<Decision>();
  const [deleting, setDeleting] = useState(false);
  if (access.loaded && !access.may('strategies')) return <NoAccess />;
  if (strategy.isLoading) return <Loading />;
  if (strategy.error || !strategy.data) return <PageError error={strategy.error} onRetry={() => void strategy.refetch()} />;
  const s = strategy.data;
  const decided = !!s.spec.decision;
  const base = `/projects/${namespace}`;
  return (
    <>
      <PageHeader
        title={
          <>
            {name} <PhaseLabel phase={s.status?.phase} />
          </>
        }
        crumbs={[{ title: namespace, to: `${base}/overview` }, { title: t('Grayscale release'), to: `${base}/grayscale` }, { title: name }]}
        actions={
          <Flex>
            {can.updateStrategy && !decided && (
              <>
                <Button onClick={() => setDeciding('Promote')} data-test="promote">
                  {t('Promote')}
                </Button>
                <Button variant="secondary" onClick={() => setDeciding('Rollback')} data-test="rollback">
                  {t('Roll back')}
                </Button>
              </>
            )}
            {can.deleteStrategy && (
              <Button variant="danger" onClick={() => setDeleting(true)} data-test="delete">
                {t('Delete')}
              </Button>
            )}
          </Flex>
        }
      />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <ReadyCondition conditions={s.status?.conditions} field={s.status?.field} />
          </StackItem>
          <StackItem>
            <Gallery hasGutter minWidths={{ default: '320px' }}>
              <Card isCompact>
                <CardTitle>{t('Release')}</CardTitle>
                <CardBody>
                  <DescriptionList isCompact isHorizontal>
                    <Fact term={t('Type')} test="type">{typeText(s.spec.type)}</Fact>
                    <Fact term={t('Service')} test="service">
                      <Link to={`${base}/services/${s.spec.service}`}>{s.spec.service}</Link>
                    </Fact>
                    <Fact term={t('Current version')} test="principal">{s.spec.principal}</Fact>
                    <Fact term={t('New version')} test="canary">{s.spec.canary}</Fact>
                    <Fact term={t('Traffic')} test="traffic">{weightText(s)}</Fact>
                    {s.spec.match?.length ? <Fact term={t('Always to the new version')} test="matches">{s.spec.match.map(describeMatch).join('; ')}</Fact> : null}
                    {s.spec.decision && <Fact term={t('Decision')} test="decision">{s.spec.decision === 'Promote' ? t('Promoted') : t('Rolled back')} <Time ts={s.status?.decidedAt} /></Fact>}
                  </DescriptionList>
                </CardBody>
              </Card>
              <Card isCompact>
                <CardTitle>{t('Generated Istio objects')}</CardTitle>
                <CardBody>
                  <DescriptionList isCompact isHorizontal>
                    <Fact term="VirtualService" test="virtual-service">{s.status?.virtualService || '-'}</Fact>
                    <Fact term="DestinationRule" test="destination-rule">{s.status?.destinationRule || '-'}</Fact>
                  </DescriptionList>
                </CardBody>
              </Card>
            </Gallery>
          </StackItem>
          <StackItem>
            <Versions s={s} />
          </StackItem>
          {s.spec.type === 'Canary' && !decided && can.updateStrategy && (
            <StackItem>
              <WeightControl key={s.spec.weight ?? 0} namespace={namespace} s={s} onDone={() => invalidate('strategies')} />
            </StackItem>
          )}
          <StackItem>
            <Comparison namespace={namespace} service={s.spec.service} />
          </StackItem>
          <StackItem>
            <Card isCompact>
              <CardTitle>{t('Conditions')}</CardTitle>
              <CardBody>
                <Conditions conditions={s.status?.conditions} />
              </CardBody>
            </Card>
          </StackItem>
        </Stack>
      </PageSection>
      {deciding && (
        <ConfirmAction
          title={deciding === 'Promote' ? t('Promote {{version}}?', { version: s.spec.canary }) : t('Roll back to {{version}}?', { version: s.spec.principal })}
          confirmLabel={deciding === 'Promote' ? t('Promote') : t('Roll back')}
          danger
          test="confirm-decision"
          onConfirm={async () => {
            await decide(namespace, name, deciding);
            invalidate('strategies');
            toast.success(deciding === 'Promote' ? t('{{version}} takes all the traffic.', { version: s.spec.canary }) : t('{{version}} takes all the traffic again.', { version: s.spec.principal }));
          }}
          onClose={() => setDeciding(undefined)}
        >
          <p>
            {deciding === 'Promote'
              ? t('Every request goes to {{canary}}, and the workloads of {{principal}} are scaled to zero. This is final.', { canary: s.spec.canary, principal: s.spec.principal })
              : t('Every request goes to {{principal}}, and the workloads of {{canary}} are scaled to zero. This is final.', { canary: s.spec.canary, principal: s.spec.principal })}
          </p>
        </ConfirmAction>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('grayscale release')}
          name={name}
          extra={<p>{t('The VirtualService and DestinationRule it generated are deleted with it (unless a service policy still needs them); the workloads of both versions stay.')}</p>}
          onConfirm={async () => {
            await deleteStrategy(namespace, name);
            invalidate('strategies');
            toast.success(t('Grayscale release {{name}} is deleted.', { name }));
            void navigate(`${base}/grayscale`);
          }}
          onClose={() => setDeleting(false)}
        />
      )}
    </>
  );
}

function Fact({ term, test, children }: { term: string; test: string; children: React.ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription data-test={test}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

/** Versions lists the two versions as the controller found them: role, weight, pods and workloads. */
function Versions({ s }: { s: Strategy }) {
  const { t } = useTranslation('servicemesh');
  const versions = s.status?.versions ?? [];
  return (
    <Card isCompact>
      <CardTitle>{t('Versions')}</CardTitle>
      <CardBody>
        {versions.length === 0 ? (
          <p data-test="versions-pending">{t('The controller has not reported the versions yet.')}</p>
        ) : (
          <Table variant="compact" aria-label={t('Versions')} data-test="versions">
            <Thead>
              <Tr>
                <Th>{t('Version')}</Th>
                <Th>{t('Role')}</Th>
                <Th>{t('Weight')}</Th>
                <Th>{t('Pods')}</Th>
                <Th>{t('Workloads')}</Th>
              </Tr>
            </Thead>
            <Tbody>
              {versions.map((v) => (
                <Tr key={v.name} data-test={`version-${v.name}`}>
                  <Td dataLabel={t('Version')}>{v.name}</Td>
                  <Td dataLabel={t('Role')}>{v.name === s.spec.principal ? t('Current') : v.name === s.spec.canary ? t('New') : '-'}</Td>
                  <Td dataLabel={t('Weight')} data-test="version-weight">{v.weight}%</Td>
                  <Td dataLabel={t('Pods')} data-test="version-pods">{v.pods}</Td>
                  <Td dataLabel={t('Workloads')}>
                    {(v.workloads ?? []).map((w) => (
                      <span key={w.name} className="pf-v6-u-mr-sm">
                        <Link to={`/projects/${s.metadata.namespace ?? ''}/${w.kind === 'StatefulSet' ? 'statefulsets' : 'deployments'}/${w.name}`}>{w.name}</Link> ({w.readyReplicas}/{w.replicas})
                      </span>
                    ))}
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}

/** WeightControl shifts a canary's share of the requests: a slider and a number, applied with a button. */
function WeightControl({ namespace, s, onDone }: { namespace: string; s: Strategy; onDone: () => void }) {
  const { t } = useTranslation('servicemesh');
  const toast = useToast();
  const current = s.spec.weight ?? 0;
  const [weight, setW] = useState(current);
  const valid = Number.isInteger(weight) && weight >= 0 && weight <= 100;
  const { busy, error, submit } = useSubmit(async () => {
    await setWeight(namespace, s.metadata.name, weight);
    onDone();
    toast.success(t('{{canary}} now gets {{weight}}% of the requests.', { canary: s.spec.canary, weight }));
  }, () => undefined);
  return (
    <Card isCompact data-test="weight-control">
      <CardTitle>{t('Shift the traffic')}</CardTitle>
      <CardBody>
        <Flex alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem>
            {s.spec.principal} <strong data-test="principal-share">{valid ? 100 - weight : '-'}%</strong>
          </FlexItem>
          <FlexItem grow={{ default: 'grow' }}>
            <Slider value={valid ? weight : current} min={0} max={100} step={5} onChange={(_e, v) => setW(Math.round(v))} aria-label={t('Weight')} />
          </FlexItem>
          <FlexItem>
            {s.spec.canary}{' '}
            <TextInput type="number" min={0} max={100} value={Number.isFinite(weight) ? String(weight) : ''} onChange={(_e, v) => setW(v === '' ? NaN : Number(v))} aria-label={t('Weight')} style={{ width: '6em' }} validated={valid ? 'default' : 'error'} data-test="new-weight" />
            %
          </FlexItem>
          <FlexItem>
            <Button onClick={() => void submit()} isDisabled={!valid || weight === current || busy} isLoading={busy} data-test="shift-weight">
              {t('Apply')}
            </Button>
          </FlexItem>
        </Flex>
        <FieldHelp rule={t('Now: {{weight}}% to {{canary}}.', { weight: current, canary: s.spec.canary })} error={valid ? undefined : t('Enter a whole number from 0 to 100.')} test="current-weight" />
        {error ? <ErrorAlert error={error} /> : null}
      </CardBody>
    </Card>
  );
}

/** Comparison charts both versions' request rate, error ratio and p95 latency. */
function Comparison({ namespace, service }: { namespace: string; service: string }) {
  const { t } = useTranslation('servicemesh');
  const time = useTimeRange('1h');
  const q = useVersionMetrics(namespace, service, time.range, time.refresh);
  const query = { data: versionsAsMetrics(q.data), error: q.error, isLoading: q.isLoading, refetch: q.refetch };
  return (
    <Card isCompact data-test="comparison">
      <CardTitle>
        <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }}>
          <FlexItem>{t('Versions compared')}</FlexItem>
          <FlexItem>
            <TimeRangePicker state={time} />
          </FlexItem>
        </Flex>
      </CardTitle>
      <CardBody>
        <Gallery hasGutter minWidths={{ default: '300px' }}>
          <MetricChart title={t('Requests per second')} query={query} lines={[{ metric: 'rate', label: '', by: 'version' }]} test="version-rate" />
          <MetricChart title={t('Error ratio')} query={query} lines={[{ metric: 'errorRatio', label: '', by: 'version' }]} test="version-errors" />
          <MetricChart title={t('Latency p95')} query={query} lines={[{ metric: 'p95', label: '', by: 'version' }]} test="version-p95" />
        </Gallery>
      </CardBody>
    </Card>
  );
}
