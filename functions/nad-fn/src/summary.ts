import { isNad, KubeObject } from '../../lib/src';
import { tally, tallyLine } from '../../lib/src/summary';

/** What nad-fn wrote: NetworkAttachmentDefinitions made, updated, removed, unchanged. */
export function nadSummary(before: readonly KubeObject[], after: readonly KubeObject[]): (string | undefined)[] {
  return [tallyLine('NADs', tally(before, after, isNad))];
}
