import {
  Bullseye,
  Button,
  EmptyState,
  EmptyStateActions,
  EmptyStateFooter,
  EmptyStateBody,
  FormSelect,
  FormSelectOption,
  Pagination,
  SearchInput,
  Spinner,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { ActionsColumn, SortByDirection, Table, Tbody, Td, Th, Thead, Tr, type IAction } from '@patternfly/react-table';
import { useState, type ReactNode } from 'react';
import { useDebounced } from './useDebounced';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ListParams } from '../api/resources';
import { useList } from '../api/resources';
import type { Freshness, K8sObject } from '../api/types';
import { ErrorAlert } from './ErrorAlert';
import { StaleBanner } from './StaleBanner';

export interface Column<T> {
  title: string;
  /** the list engine's sortBy for this column, when it sorts */
  sortKey?: string;
  render: (o: T) => ReactNode;
  /** hides a column of lower priority on screens narrower than this breakpoint (lg: 992 px, xl: 1200 px) */
  hideBelow?: 'lg' | 'xl';
}

const visibility = { lg: ['hidden', 'visibleOnLg'], xl: ['hidden', 'visibleOnXl'] } as const;

export interface RowAction<T> {
  title: string;
  onClick: (o: T) => void;
  isDisabled?: boolean;
  isDanger?: boolean;
}

/** ListResult is what the table shows: a query's result for one page of a list. */
export interface ListResult<T> {
  data?: { items: T[]; totalItems: number; freshness?: Freshness };
  isLoading: boolean;
  error: unknown;
  refetch?: () => unknown;
}

interface TableProps<T extends K8sObject> {
  /** names the table for tests and screen readers */
  id: string;
  ariaLabel: string;
  columns: Column<T>[];
  /** where a row's name links to */
  link?: (o: T) => string;
  /** values of the status filter */
  statuses?: string[];
  actions?: (o: T) => RowAction<T>[];
  toolbar?: ReactNode;
  emptyText?: string;
  /** the title of the empty state when no filter is set (default: "Nothing here yet") */
  emptyTitle?: string;
  /** what the empty state offers to do, such as a create button */
  emptyAction?: ReactNode;
  /** false leaves out the name filter (lists whose names mean nothing to people, such as login records) */
  nameFilter?: boolean;
}

/** The table over a kind of the list engine: it reads the pages itself. */
export interface EngineTableProps<T extends K8sObject> extends TableProps<T>, TableOptions {
  resource: string;
  namespace?: string;
  /** more list parameters, such as a label selector */
  params?: ListParams;
}

/**
 * The table over a list read by the caller from another API (members,
 * users): the caller holds the table's state, reads the page its params
 * name with a query hook, and passes the result.
 */
export interface QueryTableProps<T extends K8sObject> extends TableProps<T> {
  table: TableState;
  query: ListResult<T>;
}

export type ResourceTableProps<T extends K8sObject> = EngineTableProps<T> | QueryTableProps<T>;

/** TableOptions are a table's starting sort and page size, and the name of its status parameter. */
export interface TableOptions {
  defaultSortBy?: string;
  defaultAscending?: boolean;
  perPage?: number;
  /** the parameter the status filter sets (default status) */
  statusParam?: string;
  /** the state the status filter starts with (a link to a filtered list) */
  defaultStatus?: string;
}

/** TableState is what a table's toolbar, headers and pager chose, and the list parameters that say it. */
export interface TableState {
  params: ListParams;
  page: number;
  setPage: (p: number) => void;
  limit: number;
  setLimit: (l: number) => void;
  sortBy: string;
  ascending: boolean;
  setSort: (sortBy: string, ascending: boolean) => void;
  nameInput: string;
  setNameInput: (v: string) => void;
  status: string;
  setStatus: (v: string) => void;
}

/**
 * useTableState holds a table's page, size, sort and filters, and makes
 * the list parameters of the page to read (the name filter debounced; a
 * new filter goes back to the first page).
 */
export function useTableState(opts: TableOptions = {}): TableState {
  const [limit, setLimit] = useState(opts.perPage ?? 10);
  const [sortBy, setSortBy] = useState(opts.defaultSortBy ?? 'createTime');
  const [ascending, setAscending] = useState(opts.defaultAscending ?? false);
  const [nameInput, setNameInput] = useState('');
  const [status, setStatus] = useState(opts.defaultStatus ?? '');
  const name = useDebounced(nameInput);
  // The page chosen is the page of the filters it was chosen with: other
  // filters start at the first page.
  const filters = JSON.stringify([name, status]);
  const [chosen, setChosen] = useState({ page: 1, filters });
  const page = chosen.filters === filters ? chosen.page : 1;
  const setPage = (p: number) => setChosen({ page: p, filters });

  const params: ListParams = { page, limit, sortBy, ascending, name: name || undefined, [opts.statusParam ?? 'status']: status || undefined };
  const setSort = (by: string, asc: boolean) => {
    setSortBy(by);
    setAscending(asc);
  };
  return { params, page, setPage, limit, setLimit, sortBy, ascending, setSort, nameInput, setNameInput, status, setStatus };
}

// useDebounced lives in its own module, so that the masthead's project
// picker does not bring the table into the first load.
export { useDebounced } from './useDebounced';

/**
 * ResourceTable is the console's one table: columns, a name filter, a
 * status filter, sorting and paging all happen on the server; the page on
 * screen follows changes live, and a banner says when it may be stale.
 * Given a resource, it reads the list engine's pages; given a table state
 * and a query's result, it shows what the caller read.
 */
export function ResourceTable<T extends K8sObject>(props: ResourceTableProps<T>) {
  return 'query' in props ? <TableView {...props} /> : <EngineTable {...props} />;
}

function EngineTable<T extends K8sObject>(props: EngineTableProps<T>) {
  const table = useTableState(props);
  const q = useList<T>(props.resource, props.namespace, { ...table.params, ...props.params });
  return <TableView {...props} table={table} query={q} />;
}

function TableView<T extends K8sObject>(props: QueryTableProps<T>) {
  const { t } = useTranslation('common');
  const { table, query: q } = props;
  const { page, setPage, limit, setLimit, sortBy, ascending, setSort, nameInput, setNameInput, status, setStatus } = table;
  const items = q.data?.items ?? [];
  const total = q.data?.totalItems ?? 0;
  const filtered = !!nameInput || !!status;
  // A failed request is never an empty list: without an answer there is
  // no row, no count and no "nothing found", but the error and a retry.
  const failed = !!q.error && !q.data;
  const refetch = q.refetch;
  const retry = refetch ? () => void refetch() : undefined;

  const sortIndex = props.columns.findIndex((c) => c.sortKey === sortBy);
  const hasActions = !!props.actions;

  return (
    <div data-test={`table-${props.id}`}>
      <Toolbar>
        <ToolbarContent>
{props.nameFilter !== false && (
          <ToolbarItem>
            <SearchInput
              aria-label={t('Filter by name')}
              placeholder={t('Filter by name')}
              value={nameInput}
              onChange={(_e, v) => setNameInput(v)}
              onClear={() => setNameInput('')}
              data-test="filter-name"
            />
          </ToolbarItem>
          )}
          {props.statuses && props.statuses.length > 0 && (
            <ToolbarItem>
              <FormSelect aria-label={t('Status')} value={status} onChange={(_e, v) => setStatus(v)} data-test="filter-status">
                <FormSelectOption value="" label={t('All states')} />
                {props.statuses.map((s) => (
                  <FormSelectOption key={s} value={s} label={t(s.charAt(0).toUpperCase() + s.slice(1))} />
                ))}
              </FormSelect>
            </ToolbarItem>
          )}
          {props.toolbar && <ToolbarItem>{props.toolbar}</ToolbarItem>}
          <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
            {q.data && (
            <Pagination
              itemCount={total}
              page={page}
              perPage={limit}
              onSetPage={(_e, p) => setPage(p)}
              onPerPageSelect={(_e, l) => {
                setLimit(l);
                setPage(1);
              }}
              isCompact
              titles={{
                paginationAriaLabel: t('Pagination'),
                ofWord: t('of'),
                items: '',
                page: '',
                perPageSuffix: t('per page'),
                toFirstPageAriaLabel: t('Go to the first page'),
                toPreviousPageAriaLabel: t('Go to the previous page'),
                toNextPageAriaLabel: t('Go to the next page'),
                toLastPageAriaLabel: t('Go to the last page'),
                optionsToggleAriaLabel: t('Items per page'),
                currPageAriaLabel: t('Current page'),
              }}
              data-test="pagination"
            />
            )}
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {q.error ? <ErrorAlert error={q.error} onRetry={retry} /> : null}
      <StaleBanner freshness={q.data?.freshness} />
      {/* Below 992 px a row is a card of label: value lines, so that nothing is cut off. */}
      {!failed && (
      <Table aria-label={props.ariaLabel} variant="compact" gridBreakPoint="grid-lg" data-test={`list-${props.id}`} aria-busy={q.isLoading}>
        <Thead>
          <Tr>
            {props.columns.map((c, i) => (
              <Th
                key={c.title}
                visibility={c.hideBelow ? [...visibility[c.hideBelow]] : undefined}
                modifier="wrap"
                sort={
                  c.sortKey
                    ? {
                        columnIndex: i,
                        sortBy: { index: sortIndex, direction: ascending ? 'asc' : 'desc' },
                        onSort: (_e, _i, dir) => setSort(c.sortKey!, dir === SortByDirection.asc),
                      }
                    : undefined
                }
              >
                {c.title}
              </Th>
            ))}
            {hasActions && <Th screenReaderText={t('Actions')} />}
          </Tr>
        </Thead>
        <Tbody>
          {items.map((o) => (
            <Tr key={o.metadata.uid ?? `${o.metadata.namespace}/${o.metadata.name}`} data-test={`row-${o.metadata.name}`}>
              {props.columns.map((c, i) => (
                <Td key={c.title} dataLabel={c.title} visibility={c.hideBelow ? [...visibility[c.hideBelow]] : undefined}>
                  {i === 0 && props.link ? <Link to={props.link(o)}>{c.render(o)}</Link> : c.render(o)}
                </Td>
              ))}
              {hasActions && (
                <Td isActionCell>
                  <ActionsColumn
                    items={props.actions!(o).map(
                      (a): IAction => ({ title: a.title, onClick: () => a.onClick(o), isDisabled: a.isDisabled, isDanger: a.isDanger }),
                    )}
                    actionsToggle={undefined}
                  />
                </Td>
              )}
            </Tr>
          ))}
        </Tbody>
      </Table>
      )}
      {q.isLoading && (
        <Bullseye>
          <Spinner size="lg" aria-label={t('Loading')} />
        </Bullseye>
      )}
      {!q.isLoading && !q.error && q.data && items.length === 0 && (
        filtered ? (
          <EmptyState titleText={t('Nothing found')} headingLevel="h3" data-test="empty" data-filtered="true">
            <EmptyStateBody>{t('No objects match the filters.')}</EmptyStateBody>
            <EmptyStateFooter>
              <EmptyStateActions>
                <Button variant="link" onClick={() => { setNameInput(''); setStatus(''); }} data-test="clear-filters">
                  {t('Clear the filters')}
                </Button>
              </EmptyStateActions>
            </EmptyStateFooter>
          </EmptyState>
        ) : (
          <EmptyState titleText={props.emptyTitle ?? t('Nothing here yet')} headingLevel="h3" data-test="empty">
            <EmptyStateBody>{props.emptyText ?? t('There is nothing of this kind yet.')}</EmptyStateBody>
            {props.emptyAction && (
              <EmptyStateFooter>
                <EmptyStateActions>{props.emptyAction}</EmptyStateActions>
              </EmptyStateFooter>
            )}
          </EmptyState>
        )
      )}
    </div>
  );
}
