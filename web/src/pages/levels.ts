/**
 * The four levels of the permission model, from the widest, as the Go type
 * iamv1beta1.Level (api/iam/v1beta1/labels.go) names them: where a role
 * applies (the iam.superkube.io/scope label), where a request acts and
 * where members are bound. The platform is "global" and a project is a
 * "namespace", as in the label. Nothing else in the console spells them.
 */
export const levels = ['global', 'cluster', 'workspace', 'namespace'] as const;

export type Level = (typeof levels)[number];

/**
 * Place is one place at a level whose members and roles the console
 * manages: the platform, a workspace or a project (the console has no
 * pages for a cluster's members yet).
 */
export type Place = { level: 'global' } | { level: 'workspace'; workspace: string } | { level: 'namespace'; namespace: string };

/** The levels a Place can be at. */
export type PlaceLevel = Place['level'];

/** place makes the Place of a level from a route's parameters. */
export function place(level: PlaceLevel, params: { workspace?: string; namespace?: string }): Place {
  switch (level) {
    case 'workspace':
      return { level, workspace: params.workspace ?? '' };
    case 'namespace':
      return { level, namespace: params.namespace ?? '' };
    default:
      return { level };
  }
}
