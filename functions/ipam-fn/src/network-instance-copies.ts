import { errorFor, fileLabel, isNetworkInstance, isObject, KubeObject, nameOf, Result, scalarText, warningFor } from '../../lib/src';
import { parseAddressWithLength, networkOf } from '../../lib/src/ipam/address';

interface Range {
  text: string;
  family: string;
  first: bigint;
  last: bigint;
}

function rangesOf(ni: KubeObject): Range[] {
  const entries = isObject(ni.spec) && Array.isArray(ni.spec.prefixes) ? ni.spec.prefixes : [];
  const out: Range[] = [];
  for (const e of entries) {
    const text = isObject(e) ? scalarText(e.prefix) : undefined;
    const parsed = text === undefined ? undefined : parseAddressWithLength(text);
    if (!text || !parsed?.ok) continue; // a malformed prefix is collectPools' error
    const { family, value, length } = parsed.value;
    const bits = family === 'ipv4' ? 32 : 128;
    const first = networkOf(family, value, length);
    out.push({ text, family, first, last: first + (1n << BigInt(bits - length)) - 1n });
  }
  return out;
}

const overlapping = (a: readonly Range[], b: readonly Range[]): Array<[Range, Range]> =>
  a.flatMap((x) => b.filter((y) => x.family === y.family && x.first <= y.last && y.first <= x.last).map((y): [Range, Range] => [x, y]));

/**
 * One NetworkInstance name is one address space, whichever package defines it, so two
 * definitions of it in one render are merged into one - never silently. Disjoint prefixes are a
 * warning (the merge is probably meant, but each file alone tells only half of it); a copy that
 * repeats the other exactly is a warning too (one of them is redundant and they may drift apart);
 * prefixes that overlap without being the same definition are an error naming both files, as
 * which one a claim's address comes from would depend on which copy the render happened to see.
 */
export function networkInstanceCopies(items: readonly KubeObject[]): Result[] {
  const byName = new Map<string, KubeObject[]>();
  for (const o of items) if (isNetworkInstance(o)) byName.set(nameOf(o), [...(byName.get(nameOf(o)) ?? []), o]);
  const results: Result[] = [];
  for (const [name, defs] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (let i = 1; i < defs.length; i++) {
      // A third copy may overlap the second while both are disjoint from the first: the pair
      // that overlaps is the one to name, so every earlier copy is compared, not the first only.
      const copy = defs[i];
      const clashing = defs.slice(0, i).find((d) => JSON.stringify(d.spec) !== JSON.stringify(copy.spec) && overlapping(rangesOf(d), rangesOf(copy)).length > 0);
      const first = clashing ?? defs[0];
      const both = `${fileLabel(first)} and ${fileLabel(copy)}`;
      if (JSON.stringify(first.spec) === JSON.stringify(copy.spec)) {
        results.push(
          warningFor(
            copy,
            `NetworkInstance ${name} is defined twice, in ${both}, with the same spec: they are one network instance; keep one ` +
              `definition (a copy edited later would silently differ)`,
            'metadata.name',
          ),
        );
        continue;
      }
      const clashes = overlapping(rangesOf(first), rangesOf(copy));
      if (clashes.length > 0) {
        results.push(
          errorFor(
            copy,
            `NetworkInstance ${name} is defined twice, in ${both}, with overlapping prefixes ` +
              `(${clashes.map(([a, b]) => (a.text === b.text ? a.text : `${a.text} and ${b.text}`)).join('; ')}) that are not ` +
              `the same definition: one network instance has one definition of each prefix - remove one copy, or make them agree`,
            'spec.prefixes',
          ),
        );
        continue;
      }
      results.push(
        warningFor(
          copy,
          `NetworkInstance ${name} is defined twice, in ${both}, with disjoint prefixes: the render merges them into one ` +
            `network instance (${[...rangesOf(first), ...rangesOf(copy)].map((r) => r.text).join(', ')}). Keep its prefixes in ` +
            `one NetworkInstance, or give the second one another name if it is another network`,
          'metadata.name',
        ),
      );
    }
  }
  return results;
}
