import type { ErrorObject } from 'ajv';
import { KubeObject } from '../kube/object';
import { RawScalar } from '../yaml/scalar-schema';
import { errorFor, Result } from '../results';
import { validatorFor } from './validators';

/**
 * JSON view for validation: a RawScalar is the text the user wrote. A subtree without RawScalar is
 * passed as it is (most items have none): copying every item for ajv cost more than validating it.
 */
function plain(value: unknown): unknown {
  if (value instanceof RawScalar) return value.source;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      const p = plain(v);
      if (p !== v) (out ??= value.slice())[i] = p;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (const k of keys) {
    const v = (value as Record<string, unknown>)[k];
    const p = plain(v);
    if (p === v) continue;
    if (!out) {
      // defineProperty: a key such as `__proto__` stays a key (and ajv sees it as one).
      out = {};
      for (const k2 of keys) Object.defineProperty(out, k2, { value: (value as Record<string, unknown>)[k2], enumerable: true, writable: true, configurable: true });
    }
    Object.defineProperty(out, k, { value: p, enumerable: true, writable: true, configurable: true });
  }
  return out ?? value;
}

function fieldPath(e: ErrorObject): string {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function valueAt(o: unknown, e: ErrorObject): unknown {
  let cur: unknown = o;
  for (const p of e.instancePath.split('/').slice(1)) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function describe(e: ErrorObject, path: string, current: unknown): string {
  switch (e.keyword) {
    case 'required':
      return `${path} is required: add it to the resource`;
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.join(', ');
      return `${path} is ${JSON.stringify(current)}; it must be one of: ${allowed}`;
    }
    case 'type':
      return `${path} must be of type ${(e.params as { type: string }).type}, not ${JSON.stringify(current)}`;
    case 'minLength':
      return `${path} must not be empty`;
    default:
      return `${path} ${e.message ?? 'is invalid'}`;
  }
}

/** Validates one resource against the schema of its kind; one error result per problem. */
export function validateResource(o: KubeObject, kind = o.kind): Result[] {
  const view = plain(o);
  const validate = validatorFor(kind);
  if (validate(view)) return [];
  // ajv reports a failing `enum` together with nothing else, but a `required` may repeat; dedupe.
  const seen = new Set<string>();
  const results: Result[] = [];
  for (const e of validate.errors ?? []) {
    const path = fieldPath(e);
    const current = e.keyword === 'required' ? undefined : valueAt(view, e);
    const message = `${o.kind} ${o.metadata.name}: ${describe(e, path, current)}`;
    if (seen.has(message)) continue;
    seen.add(message);
    results.push(errorFor(o, message, path, current));
  }
  return results;
}
