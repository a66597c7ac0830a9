import { parse, stringify } from 'yaml';
import type { K8sObject } from './types';

/** forEditing leaves out what a person does not edit: managed fields and status. */
export function forEditing(o: K8sObject): K8sObject {
  const copy = structuredClone(o);
  const meta = copy.metadata as K8sObject['metadata'] & { managedFields?: unknown };
  delete meta.managedFields;
  delete copy.status;
  return copy;
}

export function toYAML(o: unknown): string {
  return stringify(o, { lineWidth: 0 });
}

/** fromYAML parses one object; an error names the line. */
export function fromYAML(text: string): K8sObject {
  const v = parse(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the YAML is not one object');
  const o = v as K8sObject;
  if (!o.metadata || typeof o.metadata !== 'object') throw new Error('metadata is missing');
  return o;
}
