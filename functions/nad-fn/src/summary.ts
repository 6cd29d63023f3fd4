import { isNad, isNFDeployment, KubeObject } from '../../lib/src';
import { tally, tallyLine } from '../../lib/src/summary';

/** What nad-fn wrote: NetworkAttachmentDefinitions made, updated, removed, unchanged; NFDeployments filled. */
export function nadSummary(before: readonly KubeObject[], after: readonly KubeObject[]): (string | undefined)[] {
  return [tallyLine('NADs', tally(before, after, isNad)), tallyLine('NFDeployments', tally(before, after, isNFDeployment))];
}
