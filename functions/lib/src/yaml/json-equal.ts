import { RawScalar } from './plain-scalars';

/**
 * Whether JSON.stringify(a) === JSON.stringify(b), without building either string: the question
 * "did a function change this item?" is asked of every item a function read, and two JSON texts
 * per item were a large share of a function's time and garbage. Plain data (objects, arrays,
 * strings, finite numbers, booleans, null, RawScalar) is compared here; anything else falls back
 * to the two strings, so the answer is always JSON's.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const r = compare(a, b);
  return r === UNSURE ? JSON.stringify(a) === JSON.stringify(b) : r === SAME;
}

const SAME = 0;
const DIFFERENT = 1;
const UNSURE = 2;

const isPlain = (o: object): boolean => {
  const proto = Object.getPrototypeOf(o);
  return proto === Object.prototype || proto === null;
};

function compare(a: unknown, b: unknown): number {
  if (a === b) return typeof a === 'number' && !Number.isFinite(a) ? UNSURE : SAME;
  const ta = typeof a;
  if (ta !== typeof b) return ta === 'undefined' || typeof b === 'undefined' || ta === 'object' || typeof b === 'object' ? UNSURE : DIFFERENT;
  if (ta === 'string' || ta === 'boolean') return DIFFERENT;
  if (ta === 'number') return Number.isFinite(a) && Number.isFinite(b) ? DIFFERENT : UNSURE;
  if (ta !== 'object' || a === null || b === null) return UNSURE;
  if (a instanceof RawScalar || b instanceof RawScalar) {
    return a instanceof RawScalar && b instanceof RawScalar ? (a.source === b.source ? SAME : DIFFERENT) : UNSURE;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return UNSURE;
    if (a.length !== b.length) return DIFFERENT;
    for (let i = 0; i < a.length; i++) {
      const r = compare(a[i], b[i]);
      if (r !== SAME) return r;
    }
    return SAME;
  }
  if (Array.isArray(b) || !isPlain(a as object) || !isPlain(b as object)) return UNSURE;
  const oa = a as Record<string, unknown>;
  const ob = b as Record<string, unknown>;
  if (typeof oa.toJSON === 'function' || typeof ob.toJSON === 'function') return UNSURE;
  let ka = Object.keys(oa);
  let kb = Object.keys(ob);
  if (ka.length !== kb.length) {
    // JSON leaves out keys whose value it cannot write: compare the keys it writes.
    ka = ka.filter((k) => written(oa[k]));
    kb = kb.filter((k) => written(ob[k]));
    if (ka.length !== kb.length) return DIFFERENT;
  }
  for (let i = 0; i < ka.length; i++) {
    if (ka[i] !== kb[i]) return UNSURE;
    const r = compare(oa[ka[i]], ob[kb[i]]);
    if (r !== SAME) return r;
  }
  return SAME;
}

const written = (v: unknown): boolean => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
