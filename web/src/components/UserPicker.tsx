import { MenuToggle, Select, SelectList, SelectOption, TextInput, TextInputGroup, TextInputGroupMain, type MenuToggleElement } from '@patternfly/react-core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type Ref } from 'react';
import { useTranslation } from 'react-i18next';
import { useAccess } from '../api/access';
import { listUsers } from '../api/iam';
import type { User } from '../api/types';
import { FieldHelp } from './FormModal';
import { useDebounced } from './useDebounced';

/** mergeUsers puts the users found by name and by e-mail in one list, each once, in the order found. */
export function mergeUsers(...lists: (User[] | undefined)[]): User[] {
  const seen = new Set<string>();
  const out: User[] = [];
  for (const l of lists) {
    for (const u of l ?? []) {
      if (!seen.has(u.metadata.name)) {
        seen.add(u.metadata.name);
        out.push(u);
      }
    }
  }
  return out;
}

/**
 * useUserSearch finds users as someone types: by name and display name
 * (the list's name filter) and by e-mail, ten of each, on the server.
 */
export function useUserSearch(text: string, enabled: boolean) {
  const q = useDebounced(text.trim(), 200);
  return useQuery({
    queryKey: ['user-search', q],
    queryFn: async ({ signal }) => {
      const [byName, byEmail] = await Promise.all([
        listUsers({ name: q, limit: 10, sortBy: 'name', ascending: true }, signal),
        q ? listUsers({ email: q, limit: 10, sortBy: 'name', ascending: true }, signal) : Promise.resolve(undefined),
      ]);
      return mergeUsers(byName.items, byEmail?.items).slice(0, 12);
    },
    enabled,
    staleTime: 10_000,
    // The users found stay on screen while the search for newer text runs:
    // blanking them to "Searching…" took away an option under the pointer,
    // and a click on it then closed the menu with nobody chosen.
    placeholderData: keepPreviousData,
  });
}

/**
 * UserPicker chooses a user by typing part of a name, display name or
 * e-mail. Someone who may not list users cannot search: they type the
 * exact user name, told why.
 */
export function UserPicker({ value, onChange, error }: { value: string; onChange: (username: string) => void; error?: string }) {
  const { t } = useTranslation('common');
  const access = useAccess([{ verb: 'list', group: 'iam.superkube.io', resource: 'users' }]);
  const canSearch = access.loaded && access.allowed[0];
  const [open, setOpen] = useState(false);
  const [text, setText] = useState(value);
  const found = useUserSearch(text, canSearch && open);
  const items = found.data ?? [];

  if (access.loaded && !canSearch) {
    return (
      <>
        <TextInput id="member-user" value={value} onChange={(_e, v) => onChange(v.trim())} validated={error ? 'error' : 'default'} aria-label={t('User name')} data-test="member-user" />
        <FieldHelp rule={t('You may not look users up: type the exact user name. A name that belongs to nobody is accepted, and grants nothing until such a user exists.')} error={error} test="member-user" />
      </>
    );
  }
  const select = (name: string) => {
    onChange(name);
    setText(name);
    setOpen(false);
  };
  const toggle = (ref: Ref<MenuToggleElement>) => (
    <MenuToggle ref={ref} variant="typeahead" onClick={() => setOpen(!open)} isExpanded={open} isFullWidth status={error ? 'danger' : undefined} data-test="member-user-toggle">
      <TextInputGroup isPlain>
        <TextInputGroupMain
          value={text}
          onClick={() => setOpen(true)}
          onChange={(_e, v) => {
            setText(v);
            onChange('');
            setOpen(true);
          }}
          placeholder={t('Search by name, display name or e-mail')}
          aria-label={t('User')}
          autoComplete="off"
          inputId="member-user"
          inputProps={{ 'data-test': 'member-user' }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && items.length > 0) {
              e.preventDefault();
              select(items[0].metadata.name);
            }
          }}
        />
      </TextInputGroup>
    </MenuToggle>
  );
  return (
    <>
      <Select isOpen={open} onOpenChange={setOpen} toggle={toggle} onSelect={(_e, v) => select(String(v))} shouldFocusToggleOnSelect>
        <SelectList aria-label={t('Users')} data-test="member-user-options">
          {items.length === 0 && (
            <SelectOption isDisabled value="">
              {found.isFetching || !access.loaded ? t('Searching…') : t('No user matches')}
            </SelectOption>
          )}
          {items.map((u) => (
            <SelectOption key={u.metadata.name} value={u.metadata.name} description={[u.metadata.name, u.spec.email].filter(Boolean).join(' · ')} data-test={`user-option-${u.metadata.name}`}>
              {u.spec.displayName || u.metadata.name}
            </SelectOption>
          ))}
        </SelectList>
      </Select>
      <FieldHelp rule={value ? t('Chosen: {{name}}', { name: value }) : t('Type part of the name, display name or e-mail, then choose the user.')} error={error} test="member-user" />
    </>
  );
}
