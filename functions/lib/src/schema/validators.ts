import Ajv, { ValidateFunction } from 'ajv';
import { SCHEMAS } from './resource-schemas';

/**
 * Schema validators compiled at run time. The function bundles replace this module with
 * validators ajv generated at build time (scripts/build.mjs), so a render neither loads ajv's
 * compiler nor compiles schemas: that is most of a function's start-up otherwise.
 */
export const AJV_OPTIONS = { allErrors: true, strict: true, code: { source: true } } as const;

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

export function validatorFor(kind: string): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    const schema = SCHEMAS[kind];
    if (!schema) throw new Error(`no schema for kind ${kind}`);
    ajv ??= new Ajv(AJV_OPTIONS);
    v = ajv.compile(schema);
    compiled.set(kind, v);
  }
  return v;
}
