import { hasErrors, ResourceList, Result, TransformOutput } from '../../lib/src';
import { splitConfig } from './config';
import { Step, STEPS } from './steps';

/** A result as the step that raised it reports it, named so the one-step output says which. */
function fromStep(step: string, r: Result): Result {
  return r.message.startsWith(`${step}: `) ? r : { ...r, message: `${step}: ${r.message}` };
}

interface StepCall {
  readonly step: Step;
  readonly input: ResourceList;
}

/**
 * The step loop, once, for both drivers below: it yields each step's input and gets back its
 * output. The first step with an error stops the run; the runner then returns the input items
 * untouched, as each function alone would.
 */
function* stepLoop(input: ResourceList, steps: readonly Step[]): Generator<StepCall, TransformOutput, TransformOutput> {
  const split = splitConfig(input.functionConfig, steps);
  const results = split.results.map((r) => fromStep('netpipe-fn', r));
  if (hasErrors(results)) return { items: input.items, results };
  let items = input.items;
  for (const step of steps) {
    const out = yield { step, input: { items, functionConfig: split.byStep.get(step.name) } };
    results.push(...out.results.map((r) => fromStep(step.name, r)));
    if (hasErrors(out.results)) return { items: input.items, results };
    items = out.items;
  }
  return { items, results };
}

/** An exception from a step names the step. */
function named(step: Step, e: unknown): unknown {
  if (e instanceof Error) e.message = `${step.name}: ${e.message}`;
  return e;
}

/**
 * The four functions in one process: each step gets the previous step's items as they are in
 * memory (one parse of the ResourceList, no serialisation in between) and its own part of the
 * functionConfig.
 */
export function runSteps(input: ResourceList, steps: readonly Step[] = STEPS, outputOf?: ReadonlyMap<Step, TransformOutput>): TransformOutput {
  const loop = stepLoop(input, steps);
  for (let next = loop.next(); ; ) {
    if (next.done) return next.value;
    const { step, input: stepInput } = next.value;
    let out: TransformOutput;
    try {
      out = outputOf?.get(step) ?? step.transform(stepInput);
    } catch (e) {
      throw named(step, e);
    }
    next = loop.next(out);
  }
}

export const netpipeFn = (input: ResourceList): TransformOutput => runSteps(input);

/**
 * As runSteps, each step run as its function runs it: the ipam step through ipam-fn's ledger edge
 * (snapshot, transform, commit) when the functionConfig names a ledger. What the executable runs.
 *
 * The edge gets the rest of the pipeline as `then` and commits only once every later step has
 * succeeded: a nad-fn or deployment-annotate-fn error must not leave holdings in the ledger that
 * Git never records. `then` runs the whole pure pipeline with the edge step's output in its place
 * (the steps before it are deterministic, so they give the same input again), on every attempt.
 */
export async function runStepsWithEdges(input: ResourceList, steps: readonly Step[] = STEPS): Promise<TransformOutput> {
  const loop = stepLoop(input, steps);
  for (let next = loop.next(); ; ) {
    if (next.done) return next.value;
    const { step, input: stepInput } = next.value;
    let out: TransformOutput;
    let whole: TransformOutput | undefined;
    const then = (stepOut: TransformOutput): TransformOutput => {
      const r = runSteps(input, steps, new Map([[step, stepOut]]));
      whole = hasErrors(r.results) ? { ...r, results: [...r.results, { severity: 'info', message: `${step.name}: nothing was committed to the shared ledger, as a later step failed` }] } : r;
      return whole;
    };
    try {
      out = step.edge ? await step.edge(stepInput, then) : step.transform(stepInput);
    } catch (e) {
      throw named(step, e);
    }
    // The edge ran the rest of the pipeline and returned its outcome (committed, or not for its errors).
    if (whole !== undefined && out === whole) return whole;
    next = loop.next(out);
  }
}
