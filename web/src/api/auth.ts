import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, request } from './client';
import type { IdentityProvider, List, Session } from './types';
import { config, url } from '../config';

/**
 * mayHaveSession tells whether asking who is logged in can find anyone:
 * not when ke-console served the page to a browser without a session. Then
 * the app shows the login page without a request that would be answered
 * 401 (and logged by the browser as an error).
 */
export function mayHaveSession(): boolean {
  return config.session !== false;
}

/** sessionQuery reads who is logged in; the router starts it before a screen's code has loaded. */
export const sessionQuery = {
  queryKey: ['session'],
  queryFn: () => api.get<Session>('/auth/session'),
  retry: false,
  staleTime: 60_000,
} as const;

/** useSession is who is logged in: asked of ke-console, or what the login answered. */
export function useSession() {
  return useQuery({ ...sessionQuery, enabled: mayHaveSession() });
}

export function login(username: string, password: string) {
  return request<Session>('/auth/login', { method: 'POST', body: { username, password } });
}

export function changePassword(currentPassword: string, password: string) {
  return request<Session>('/auth/password', { method: 'POST', body: { currentPassword, password } });
}

export function useLogout() {
  const client = useQueryClient();
  return async () => {
    try {
      await api.post('/auth/logout');
    } finally {
      client.clear();
      window.location.assign(url('/login'));
    }
  };
}

export function useIdentityProviders() {
  return useQuery({
    queryKey: ['identityproviders'],
    queryFn: () => api.get<List<IdentityProvider>>('/kapis/config.superkube.io/v1alpha2/identityproviders'),
    staleTime: 300_000,
  });
}

export function providerLoginURL(name: string): string {
  return url(`/auth/idp/${encodeURIComponent(name)}`);
}
