/**
 * The one `info` result that ends a successful run of each function: what it made, changed and
 * removed, so `kpt fn render` tells the user what happened without a script. Computed from the
 * items before and after, never from the transform's own bookkeeping, so it cannot disagree with
 * what is written.
 */
import { KubeObject, nameOf, namespaceOf, resourceKey } from './kube/object';
import { hasErrors, Result } from './results';
import type { TransformOutput } from './runner';

/** How many names a summary lists before it says "and N more". */
const LISTED = 5;

export interface Tally {
  readonly created: readonly KubeObject[];
  readonly updated: readonly KubeObject[];
  readonly removed: readonly KubeObject[];
  readonly kept: number;
}

/** Items matching `match`, compared by identity (cluster package, kind, namespace, name). */
export function tally(before: readonly KubeObject[], after: readonly KubeObject[], match: (o: KubeObject) => boolean): Tally {
  const old = new Map<string, KubeObject>();
  for (const o of before) if (match(o)) old.set(resourceKey(o), o);
  const created: KubeObject[] = [];
  const updated: KubeObject[] = [];
  let kept = 0;
  const seen = new Set<string>();
  for (const o of after) {
    if (!match(o)) continue;
    const key = resourceKey(o);
    seen.add(key);
    const was = old.get(key);
    if (was === undefined) created.push(o);
    // Transforms hand back the very object when nothing changed; only copies need comparing.
    else if (was === o || JSON.stringify(was) === JSON.stringify(o)) kept++;
    else updated.push(o);
  }
  const removed = [...old].filter(([k]) => !seen.has(k)).map(([, o]) => o);
  return { created, updated, removed, kept };
}

export const refName = (o: KubeObject): string => (namespaceOf(o) ? `${namespaceOf(o)}/${nameOf(o)}` : nameOf(o));

/** `a, b, c and 4 more`, sorted, for a summary line. */
export function listed(names: readonly string[]): string {
  const sorted = [...names].sort();
  const shown = sorted.slice(0, LISTED).join(', ');
  return sorted.length > LISTED ? `${shown} and ${sorted.length - LISTED} more` : shown;
}

/** `IPClaims: 2 new (a, b), 1 removed (c), 6 unchanged`, or undefined when there are none at all. */
export function tallyLine(
  what: string,
  t: Tally,
  describe: (o: KubeObject) => string = refName,
  words: { readonly created: string; readonly updated: string; readonly removed: string } = { created: 'new', updated: 'updated', removed: 'removed' },
): string | undefined {
  const parts: string[] = [];
  if (t.created.length > 0) parts.push(`${t.created.length} ${words.created} (${listed(t.created.map(describe))})`);
  if (t.updated.length > 0) parts.push(`${t.updated.length} ${words.updated} (${listed(t.updated.map(describe))})`);
  if (t.removed.length > 0) parts.push(`${t.removed.length} ${words.removed} (${listed(t.removed.map(describe))})`);
  if (t.kept > 0) parts.push(`${t.kept} unchanged`);
  return parts.length === 0 ? undefined : `${what}: ${parts.join(', ')}`;
}

/**
 * The output with the function's summary appended, unless it failed (then nothing is written and
 * the errors are what the user needs).
 */
export function summarized(
  fn: string,
  before: readonly KubeObject[],
  output: TransformOutput,
  describe: (before: readonly KubeObject[], after: readonly KubeObject[]) => readonly (string | undefined)[],
): TransformOutput {
  if (hasErrors(output.results)) return output;
  const lines = describe(before, output.items).filter((l): l is string => l !== undefined && l !== '');
  const summary: Result = { message: `${fn}: ${lines.length > 0 ? lines.join('; ') : 'nothing to do'}`, severity: 'info' };
  return { items: output.items, results: [...output.results, summary] };
}
