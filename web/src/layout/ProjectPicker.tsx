import {
  MenuToggle,
  Select,
  SelectList,
  SelectOption,
  TextInputGroup,
  TextInputGroupMain,
  type MenuToggleElement,
} from '@patternfly/react-core';
import { useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { useMatch, useNavigate } from 'react-router';
import { useList } from '../api/resources';
import { displayName, workspaceLabel, type K8sObject } from '../api/types';
import { useDebounced } from '../components/useDebounced';

/**
 * ProjectPicker finds a project by name as the user types. The list
 * engine filters on the server, so it stays quick with thousands of
 * projects: only the first twenty matches are fetched.
 */
export function ProjectPicker() {
  const { t } = useTranslation('common');
  const navigate = useNavigate();
  const current = useMatch('/projects/:namespace/*')?.params.namespace;
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const filter = useDebounced(text, 150);
  const q = useList<K8sObject>('namespaces', undefined, { name: filter || undefined, limit: 20, sortBy: 'name', ascending: true }, { live: false, enabled: open });
  const items = q.data?.items ?? [];
  const select = (ns: string) => {
    setOpen(false);
    setText('');
    void navigate(`/projects/${ns}/overview`);
  };
  const toggle = (ref: Ref<MenuToggleElement>) => (
    <MenuToggle ref={ref} variant="typeahead" onClick={() => setOpen(!open)} isExpanded={open} aria-label={t('Go to a project')} data-test="project-picker">
      <TextInputGroup isPlain>
        <TextInputGroupMain
          value={text}
          onClick={() => setOpen(true)}
          onChange={(_e, v) => {
            setText(v);
            setOpen(true);
          }}
          placeholder={current ?? t('Go to a project')}
          aria-label={t('Project name')}
          autoComplete="off"
          data-test="project-picker-input"
          onKeyDown={(e) => {
            if (e.key === 'Enter' && items.length > 0) select(items[0].metadata.name);
          }}
        />
      </TextInputGroup>
    </MenuToggle>
  );
  return (
    <Select isOpen={open} onOpenChange={setOpen} toggle={toggle} onSelect={(_e, v) => select(String(v))} shouldFocusToggleOnSelect>
      <SelectList aria-label={t('Projects')} data-test="project-picker-list">
        {items.length === 0 && (
          <SelectOption isDisabled value="">
            {q.isFetching ? t('Loading') : t('No projects match')}
          </SelectOption>
        )}
        {items.map((ns) => (
          <SelectOption key={ns.metadata.name} value={ns.metadata.name} description={ns.metadata.labels?.[workspaceLabel]} data-test={`pick-${ns.metadata.name}`}>
            {displayName(ns)}
          </SelectOption>
        ))}
      </SelectList>
    </Select>
  );
}
