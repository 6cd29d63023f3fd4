import type { ResourceList } from '../../lib/src';
import { Transform, TransformOutput } from '../../lib/src/runner';
import { interfaceFn } from '../../interface-fn/src/transform';
import { ipamFn } from '../../ipam-fn/src/transform';
import { ipamWithLedger } from '../../ipam-fn/src/edge';
import { IPAM_FN_ALL_CONFIG_KEYS } from '../../ipam-fn/src/config';
import { INTERFACE_FN_CONFIG_KEYS } from '../../interface-fn/src/config';
import { nadFn } from '../../nad-fn/src/transform';
import { NAD_FN_CONFIG_KEYS } from '../../nad-fn/src/config';
import { deploymentAnnotateFn } from '../../deployment-annotate-fn/src/transform';
import { ANNOTATE_FN_CONFIG_KEYS } from '../../deployment-annotate-fn/src/config';

/** One function of the pipeline as netpipe-fn runs it: its own pure transform and its config keys. */
export interface Step {
  name: string;
  transform: Transform;
  /**
   * The step as its function runs it, I/O at the edge included (ipam-fn's shared ledger). `then`
   * is the rest of the pipeline: an edge that commits runs it first and commits only when it
   * succeeds, returning what it returned.
   */
  edge?: (input: ResourceList, then?: (out: TransformOutput) => TransformOutput) => Promise<TransformOutput>;
  /** The ConfigMap keys of the combined functionConfig that belong to this step. */
  configKeys: readonly string[];
  /** The step also takes pools (NetworkInstance, IPPrefix) from the functionConfig. */
  takesPools?: boolean;
}

/**
 * The four functions in pipeline order. Each step is the function's exported transform, so what
 * the functions do, netpipe-fn does.
 */
export const STEPS: readonly Step[] = [
  { name: 'interface-fn', transform: interfaceFn, configKeys: INTERFACE_FN_CONFIG_KEYS },
  { name: 'ipam-fn', transform: ipamFn, edge: ipamWithLedger, configKeys: IPAM_FN_ALL_CONFIG_KEYS, takesPools: true },
  { name: 'nad-fn', transform: nadFn, configKeys: NAD_FN_CONFIG_KEYS },
  { name: 'deployment-annotate-fn', transform: deploymentAnnotateFn, configKeys: ANNOTATE_FN_CONFIG_KEYS },
];
