import { Transform, runOnText } from '../../functions/lib/src/runner';
import { interfaceFn } from '../../functions/interface-fn/src/transform';
import { ipamFn } from '../../functions/ipam-fn/src/transform';
import { nadFn } from '../../functions/nad-fn/src/transform';
import { deploymentAnnotateFn } from '../../functions/deployment-annotate-fn/src/transform';

/** Each function's pure core, in pipeline order. */
export const FUNCTIONS: Record<string, Transform> = {
  'interface-fn': interfaceFn,
  'ipam-fn': ipamFn,
  'nad-fn': nadFn,
  'deployment-annotate-fn': deploymentAnnotateFn,
};

/** The whole pipeline in-process: each function's output is the next one's input. */
export function runPipeline(text: string): { stdout: string; exitCode: number } {
  let current = text;
  for (const [name, transform] of Object.entries(FUNCTIONS)) {
    const out = runOnText(name, transform, current);
    if (out.exitCode !== 0) return out;
    current = out.stdout;
  }
  return { stdout: current, exitCode: 0 };
}
