import { isObject, KubeObject, nameOf, namespaceOf, packagePathOf, scalarText } from './kube/object';

/** Kinds whose pods a workload creates, and where their pod template's metadata lives. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  'apps/v1/Deployment': ['spec', 'template', 'metadata'],
  'apps/v1/StatefulSet': ['spec', 'template', 'metadata'],
  'apps/v1/DaemonSet': ['spec', 'template', 'metadata'],
  'apps/v1/ReplicaSet': ['spec', 'template', 'metadata'],
  'batch/v1/Job': ['spec', 'template', 'metadata'],
  'batch/v1/CronJob': ['spec', 'jobTemplate', 'spec', 'template', 'metadata'],
  'v1/Pod': ['metadata'],
};

export function templatePath(o: KubeObject): string[] | undefined {
  return TEMPLATE_PATHS[`${o.apiVersion}/${o.kind}`];
}

export function getIn(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** A copy of `o` with `value` at `path` (undefined deletes); every object on the path is copied. */
export function setIn<T>(o: T, path: readonly string[], value: unknown): T {
  if (path.length === 0) return value as T;
  const base: Record<string, unknown> = isObject(o) ? o : {};
  const [head, ...rest] = path;
  const next: Record<string, unknown> = { ...base };
  const child = setIn(base[head], rest, value);
  if (child === undefined) delete next[head];
  else next[head] = child;
  return next as T;
}

function count(value: unknown, fallback: number): number {
  const text = scalarText(value);
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isFinite(n) ? n : fallback;
}

export interface ReplicaProblem {
  field: string;
  severity: 'error' | 'warning';
  why: string;
  fix: string;
}

/**
 * Why a workload could run more than one pod at a time - each would carry the same static
 * address. Errors for steady-state duplicates, a warning for the rolling-update overlap.
 */
export function replicaProblems(o: KubeObject, hpas: readonly KubeObject[]): ReplicaProblem[] {
  const spec = isObject(o.spec) ? o.spec : {};
  const problems: ReplicaProblem[] = [];
  switch (o.kind) {
    case 'DaemonSet':
      problems.push({
        field: 'kind',
        severity: 'error',
        why: 'a DaemonSet runs one pod per node',
        fix: 'use one Deployment (replicas: 1) per node that needs the interface, each with its own Interfaces',
      });
      break;
    case 'Deployment':
    case 'ReplicaSet':
    case 'StatefulSet': {
      const replicas = count(spec.replicas, 1);
      if (replicas > 1) {
        problems.push({
          field: 'spec.replicas',
          severity: 'error',
          why: `spec.replicas is ${replicas}`,
          fix: 'set spec.replicas: 1 and give every further instance a workload and Interfaces of its own',
        });
      }
      if (o.kind === 'Deployment') {
        const strategy = isObject(spec.strategy) ? scalarText(spec.strategy.type) : undefined;
        if (strategy !== 'Recreate') {
          problems.push({
            field: 'spec.strategy.type',
            severity: 'warning',
            why: 'its RollingUpdate strategy starts the new pod before the old one stops, so both hold the addresses for a moment',
            fix: 'set spec.strategy.type: Recreate',
          });
        }
      }
      break;
    }
    case 'Job': {
      const parallelism = count(spec.parallelism, 1);
      if (parallelism > 1) {
        problems.push({ field: 'spec.parallelism', severity: 'error', why: `spec.parallelism is ${parallelism}`, fix: 'set spec.parallelism: 1' });
      }
      break;
    }
    case 'CronJob': {
      const policy = scalarText(spec.concurrencyPolicy) ?? 'Allow';
      if (policy !== 'Forbid') {
        problems.push({
          field: 'spec.concurrencyPolicy',
          severity: 'error',
          why: `spec.concurrencyPolicy is ${policy} (runs may overlap)`,
          fix: 'set spec.concurrencyPolicy: Forbid',
        });
      }
      const jobSpec = getIn(spec, ['jobTemplate', 'spec']);
      const parallelism = count(isObject(jobSpec) ? jobSpec.parallelism : undefined, 1);
      if (parallelism > 1) {
        problems.push({
          field: 'spec.jobTemplate.spec.parallelism',
          severity: 'error',
          why: `spec.jobTemplate.spec.parallelism is ${parallelism}`,
          fix: 'set spec.jobTemplate.spec.parallelism: 1',
        });
      }
      break;
    }
  }
  for (const hpa of hpas) {
    const target = isObject(hpa.spec) && isObject(hpa.spec.scaleTargetRef) ? hpa.spec.scaleTargetRef : undefined;
    if (!target || scalarText(target.kind) !== o.kind || scalarText(target.name) !== nameOf(o)) continue;
    // An HPA scales a workload of its own namespace, and a package's HPA only its own workloads.
    if (namespaceOf(hpa) !== namespaceOf(o) || packagePathOf(hpa) !== packagePathOf(o)) continue;
    const max = count(isObject(hpa.spec) ? hpa.spec.maxReplicas : undefined, 1);
    if (max > 1) {
      problems.push({
        field: 'metadata.name',
        severity: 'error',
        why: `HorizontalPodAutoscaler ${nameOf(hpa)} scales it up to ${max} replicas`,
        fix: `remove the HorizontalPodAutoscaler or set its spec.maxReplicas: 1`,
      });
    }
  }
  return problems;
}

export const isHpa = (o: KubeObject): boolean => o.kind === 'HorizontalPodAutoscaler' && o.apiVersion.startsWith('autoscaling/');
