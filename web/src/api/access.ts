import { useQuery } from '@tanstack/react-query';
import { api } from './client';

/** An action to ask about, as the platform's subject access review names it. */
export interface Action {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  workspace?: string;
  name?: string;
}

interface ReviewAnswer {
  status: { allowed: boolean; results?: { allowed: boolean }[] };
}

/**
 * useCan asks the platform, in one batch review, which of the actions the
 * user may do. The console hides or disables what is not allowed; the API
 * refuses it regardless. While the answer is loading, nothing is allowed.
 */
export function useCan(actions: Action[]): boolean[] {
  return useAccess(actions).allowed;
}

/** useAccess is useCan that also tells whether the answer has come. */
export function useAccess(actions: Action[]): { allowed: boolean[]; loaded: boolean } {
  const key = JSON.stringify(actions);
  const q = useQuery({
    queryKey: ['can', key],
    queryFn: () =>
      api.post<ReviewAnswer>('/kapis/iam.superkube.io/v1beta1/subjectaccessreviews', {
        apiVersion: 'iam.superkube.io/v1beta1',
        kind: 'SubjectAccessReview',
        spec: { resourceAttributesList: actions },
      }),
    staleTime: 30_000,
    enabled: actions.length > 0,
  });
  return { allowed: actions.map((_, i) => q.data?.status.results?.[i]?.allowed ?? false), loaded: !!q.data || !!q.error };
}
