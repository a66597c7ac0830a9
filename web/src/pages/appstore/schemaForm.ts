import type { TFunction } from 'i18next';
import { parse, stringify } from 'yaml';
import type { JSONSchema } from '../../api/appstore';

// The values form of the deploy wizard, generated from a chart's
// values.schema.json: each leaf of the schema's objects is a field (text,
// number, switch, or a choice for an enum); what the form cannot show as a
// field (arrays, objects without properties) is edited as YAML in place.
// The values sent are the chart's default values with the fields' values
// set in them, as YAML.

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'yaml';

export interface Field {
  /** the keys from the top of the values to the field */
  path: string[];
  /** path joined with dots, the form's key and the name the server's errors use */
  key: string;
  kind: FieldKind;
  schema: JSONSchema;
  required: boolean;
}

/** A field's text as typed (a switch holds a boolean). */
export type FormState = Record<string, string | boolean>;

function typeOf(s: JSONSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  return s.type;
}

/** fieldsOf lists the form's fields of a schema, depth first in the schema's order. */
export function fieldsOf(schema: JSONSchema, path: string[] = [], required = false): Field[] {
  const type = typeOf(schema) ?? (schema.properties ? 'object' : undefined);
  if (type === 'object' && schema.properties && Object.keys(schema.properties).length > 0) {
    const req = new Set(schema.required ?? []);
    return Object.entries(schema.properties).flatMap(([k, s]) => fieldsOf(s, [...path, k], req.has(k)));
  }
  if (path.length === 0) return [];
  let kind: FieldKind;
  if (schema.enum && schema.enum.length > 0) kind = 'enum';
  else if (type === 'string' || type === 'integer' || type === 'number' || type === 'boolean') kind = type;
  else kind = 'yaml';
  return [{ path, key: path.join('.'), kind, schema, required }];
}

function get(o: unknown, path: string[]): unknown {
  let cur = o;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function set(o: Record<string, unknown>, path: string[], v: unknown) {
  let cur = o;
  path.slice(0, -1).forEach((k) => {
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  });
  const last = path[path.length - 1];
  if (v === undefined) delete cur[last];
  else cur[last] = v;
}

/** parseValues reads values YAML as an object ({} for an empty text); it throws on YAML that is not a mapping. */
export function parseValues(text: string): Record<string, unknown> {
  const v: unknown = text.trim() ? parse(text) : {};
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error('the values must be a YAML mapping');
  return v as Record<string, unknown>;
}

/** initialState is the form as the chart's default values (or else the schema's defaults) fill it. */
export function initialState(fields: Field[], defaults: Record<string, unknown>): FormState {
  const out: FormState = {};
  for (const f of fields) {
    const v = get(defaults, f.path) ?? f.schema.default;
    if (f.kind === 'boolean') out[f.key] = v === true;
    else if (f.kind === 'yaml') out[f.key] = v === undefined ? '' : stringify(v).trimEnd();
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[f.key] = String(v);
    else out[f.key] = v === undefined || v === null ? '' : JSON.stringify(v);
  }
  return out;
}

/** valueOf converts a field's text to its value (undefined: left out); it throws when the text is not of the field's type. */
function valueOf(f: Field, raw: string | boolean): unknown {
  if (f.kind === 'boolean') return raw === true;
  const s = String(raw);
  if (s.trim() === '') return undefined;
  switch (f.kind) {
    case 'integer':
    case 'number':
      return Number(s);
    case 'enum':
      // An enum's choices keep their types: the text of the option chosen names one.
      return f.schema.enum!.find((e) => String(e) === s) ?? s;
    case 'yaml':
      return parse(s) as unknown;
    default:
      return s;
  }
}

/**
 * validate says what is wrong with a field's text, as the schema rules it
 * (the server checks the whole values against the schema again).
 */
export function validate(f: Field, raw: string | boolean, t: TFunction): string | undefined {
  if (f.kind === 'boolean') return undefined;
  const s = String(raw);
  if (s.trim() === '') return f.required ? t('Required.') : undefined;
  const sc = f.schema;
  if (f.kind === 'integer' || f.kind === 'number') {
    const n = Number(s);
    if (!Number.isFinite(n)) return t('Enter a number.');
    if (f.kind === 'integer' && !Number.isInteger(n)) return t('Enter a whole number.');
    if (sc.minimum !== undefined && n < sc.minimum) return t('At least {{min}}.', { min: sc.minimum });
    if (sc.maximum !== undefined && n > sc.maximum) return t('At most {{max}}.', { max: sc.maximum });
    if (sc.exclusiveMinimum !== undefined && n <= sc.exclusiveMinimum) return t('More than {{min}}.', { min: sc.exclusiveMinimum });
    if (sc.exclusiveMaximum !== undefined && n >= sc.exclusiveMaximum) return t('Less than {{max}}.', { max: sc.exclusiveMaximum });
    return undefined;
  }
  if (f.kind === 'enum') return sc.enum!.some((e) => String(e) === s) ? undefined : t('Choose one of the values offered.');
  if (f.kind === 'yaml') {
    try {
      parse(s);
      return undefined;
    } catch (e) {
      return t('Not YAML: {{error}}', { error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }
  if (sc.minLength !== undefined && s.length < sc.minLength) return t('At least {{count}} characters.', { count: sc.minLength });
  if (sc.maxLength !== undefined && s.length > sc.maxLength) return t('At most {{count}} characters.', { count: sc.maxLength });
  if (sc.pattern) {
    try {
      if (!new RegExp(sc.pattern, 'u').test(s)) return t('Must match {{pattern}}.', { pattern: sc.pattern });
    } catch {
      // A pattern JavaScript cannot read is the server's to check.
    }
  }
  return undefined;
}

/** errorsOf are the fields' problems, by key. */
export function errorsOf(fields: Field[], state: FormState, t: TFunction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fields) {
    const e = validate(f, state[f.key] ?? '', t);
    if (e) out[f.key] = e;
  }
  return out;
}

/** toValues sets the fields' values in the chart's defaults and writes them as YAML. */
export function toValues(fields: Field[], state: FormState, defaults: Record<string, unknown>): string {
  const out = structuredClone(defaults);
  for (const f of fields) set(out, f.path, valueOf(f, state[f.key] ?? ''));
  return Object.keys(out).length === 0 ? '' : stringify(out);
}
