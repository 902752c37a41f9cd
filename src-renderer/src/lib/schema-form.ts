// A form generated from a JSON Schema (what describeOptions gives for each pruning method's params,
// z.toJSONSchema of its zod schema): one field per property, text values parsed back to JSON, and
// the schema's bounds checked inline. The server parses with the zod schema itself, so this is a
// fast first check, not the authority.

export type FieldKind = 'number' | 'integer' | 'boolean' | 'enum' | 'string' | 'list' | 'json';

export interface FormField {
  /** Dotted path below the params object: `ratio`, `widthsFrom.ratios`. */
  path: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  options?: string[];
  /** Bounds of the value (of each item, for a list). */
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  /** Items of a list are integers; a list of numbers otherwise (or 'M'-style string constants). */
  integerItems?: boolean;
  default?: unknown;
  description?: string;
}

type Schema = Record<string, unknown>;

const isObj = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields of an object schema, nested objects flattened into dotted paths. */
export function fieldsFromSchema(schema: unknown, prefix = '', parentRequired = true): FormField[] {
  if (!isObj(schema) || !isObj(schema['properties'])) return [];
  const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
  const fields: FormField[] = [];
  for (const [key, prop] of Object.entries(schema['properties'])) {
    if (!isObj(prop)) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    const req = parentRequired && required.has(key);
    if (prop['type'] === 'object' && isObj(prop['properties'])) {
      fields.push(...fieldsFromSchema(prop, path, req));
      continue;
    }
    fields.push(fieldOf(path, prop, req));
  }
  return fields;
}

function bounds(s: Schema): Pick<FormField, 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum'> {
  const out: Pick<FormField, 'minimum' | 'maximum' | 'exclusiveMinimum' | 'exclusiveMaximum'> = {};
  for (const k of ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const) {
    const v = s[k];
    // zod writes Number.MAX_SAFE_INTEGER as the max of an int; it says nothing to a user.
    if (typeof v === 'number' && Math.abs(v) < Number.MAX_SAFE_INTEGER) out[k] = v;
  }
  return out;
}

function fieldOf(path: string, s: Schema, required: boolean): FormField {
  const base = { path, label: path, required, default: s['default'], ...(typeof s['description'] === 'string' ? { description: s['description'] } : {}) };
  if (Array.isArray(s['enum'])) return { ...base, kind: 'enum', options: (s['enum'] as unknown[]).map(String) };
  switch (s['type']) {
    case 'number':
      return { ...base, kind: 'number', ...bounds(s) };
    case 'integer':
      return { ...base, kind: 'integer', ...bounds(s) };
    case 'boolean':
      return { ...base, kind: 'boolean' };
    case 'string':
      return { ...base, kind: 'string' };
    case 'array': {
      const items = isObj(s['items']) ? s['items'] : {};
      const alternatives = Array.isArray(items['anyOf']) ? (items['anyOf'] as Schema[]) : [items];
      const numeric = alternatives.find((a) => a['type'] === 'number' || a['type'] === 'integer');
      if (numeric) return { ...base, kind: 'list', integerItems: numeric['type'] === 'integer', ...bounds(numeric) };
      return { ...base, kind: 'json' };
    }
    default:
      return { ...base, kind: 'json' };
  }
}

/** The text a field shows for a value. */
export function toText(field: FormField, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (field.kind === 'list' && Array.isArray(value)) return value.join(', ');
  if (field.kind === 'json') return JSON.stringify(value);
  return String(value);
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** A field's text -> its JSON value (undefined = left empty), with the schema's bounds checked. */
export function parseField(field: FormField, text: string): Parsed {
  const t = text.trim();
  if (t === '') {
    return field.required && field.default === undefined ? { ok: false, message: 'required' } : { ok: true, value: undefined };
  }
  switch (field.kind) {
    case 'boolean':
      return { ok: true, value: t === 'true' };
    case 'enum':
      return field.options?.includes(t) ? { ok: true, value: t } : { ok: false, message: `one of ${field.options?.join(', ')}` };
    case 'string':
      return { ok: true, value: t };
    case 'number':
    case 'integer':
      return checkNumber(field, t, field.kind === 'integer');
    case 'list': {
      const items: unknown[] = [];
      for (const token of t.split(',').map((x) => x.trim()).filter((x) => x !== '')) {
        if (!/^[-+.\d]/.test(token)) {
          items.push(token); // a string constant such as the 'M' (max-pool) of a cfg
          continue;
        }
        const r = checkNumber(field, token, field.integerItems === true);
        if (!r.ok) return { ok: false, message: `item '${token}': ${r.message}` };
        items.push(r.value);
      }
      return { ok: true, value: items };
    }
    case 'json':
      try {
        return { ok: true, value: JSON.parse(t) };
      } catch {
        return { ok: false, message: 'not valid JSON' };
      }
  }
}

function checkNumber(field: FormField, text: string, integer: boolean): Parsed {
  const n = Number(text);
  if (!Number.isFinite(n)) return { ok: false, message: 'not a number' };
  if (integer && !Number.isInteger(n)) return { ok: false, message: 'must be a whole number' };
  if (field.minimum !== undefined && n < field.minimum) return { ok: false, message: `must be ≥ ${field.minimum}` };
  if (field.exclusiveMinimum !== undefined && n <= field.exclusiveMinimum) return { ok: false, message: `must be > ${field.exclusiveMinimum}` };
  if (field.maximum !== undefined && n > field.maximum) return { ok: false, message: `must be ≤ ${field.maximum}` };
  if (field.exclusiveMaximum !== undefined && n >= field.exclusiveMaximum) return { ok: false, message: `must be < ${field.exclusiveMaximum}` };
  return { ok: true, value: n };
}

export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** Sets (or, for undefined, deletes) a dotted path, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur: Record<string, unknown> = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObj(cur[key])) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

/** The field path a server ValidationError names ("…: field 'baseline.epochs': …"), or null. */
export function fieldOfMessage(message: string): string | null {
  const m = /field '([^']+)'/.exec(message);
  return m ? m[1]! : null;
}
