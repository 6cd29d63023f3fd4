/**
 * Pipeline steps that would write the shared ledger during a preview. `netpipe plan` tells the
 * functions to only read the ledger through an environment variable; kpt hands its environment to
 * `exec:` functions but none to `image:` functions, so an image step configured for the ledger
 * would commit what the preview allocates. Such steps are found before anything runs.
 */
import { posix } from 'node:path';
import { readFunctionConfig } from '../../../functions/lib/src/function-config';
import { ANNOTATIONS, getAnnotation, isObject, KubeObject, packagePathOf, scalarText } from '../../../functions/lib/src/kube/object';
import { isKptfile } from '../../../functions/lib/src/conditions';
import { CONFIG_KEYS } from '../../../functions/lib/src/ledger/config';

export interface LedgerImageStep {
  /** The Kptfile's path in the package, e.g. `Kptfile` or `networks/Kptfile`. */
  readonly kptfile: string;
  readonly image: string;
  /** `pipeline.mutators[0]`. */
  readonly field: string;
}

const pathOf = (o: KubeObject): string => getAnnotation(o, ANNOTATIONS.path) ?? getAnnotation(o, ANNOTATIONS.legacyPath) ?? '';

function usesLedger(fc: KubeObject | undefined): boolean {
  return readFunctionConfig(fc).data[CONFIG_KEYS.endpoints] !== undefined;
}

/** Every `image:` step whose functionConfig (inline `configMap:` or `configPath:`) names ledger endpoints. */
export function ledgerImageSteps(items: readonly KubeObject[]): LedgerImageStep[] {
  const byPath = new Map(items.map((o) => [posix.normalize(pathOf(o)), o]));
  const out: LedgerImageStep[] = [];
  for (const kptfile of items.filter(isKptfile)) {
    const pipeline = isObject(kptfile.pipeline) ? kptfile.pipeline : {};
    for (const list of ['mutators', 'validators'] as const) {
      const steps = pipeline[list];
      if (!Array.isArray(steps)) continue;
      steps.forEach((step: unknown, i) => {
        if (!isObject(step)) return;
        const image = scalarText(step.image);
        if (!image) return;
        const configPath = scalarText(step.configPath);
        const fc: KubeObject | undefined = isObject(step.configMap)
          ? ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'inline' }, data: step.configMap } as KubeObject)
          : configPath
            ? byPath.get(posix.normalize(posix.join(packagePathOf(kptfile), configPath)))
            : undefined;
        if (usesLedger(fc)) out.push({ kptfile: pathOf(kptfile) || 'Kptfile', image, field: `pipeline.${list}[${i}]` });
      });
    }
  }
  return out;
}
