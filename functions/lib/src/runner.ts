import { readSync } from 'node:fs';
import { isKptfile } from './conditions';
import { ANNOTATIONS, getAnnotation, KubeObject, packagePathOf } from './kube/object';
import { ResourceList, ResourceListError, ResourceListReader, writeResourceList } from './resource-list';
import { generalError, hasErrors, Result } from './results';
import { splitResourceList } from './yaml/item-splitter';
import { dumpYaml } from './yaml/scalar-schema';

/** A function's pure core: resources in, resources and results out. */
export type Transform = (input: ResourceList) => TransformOutput;

export interface TransformOutput {
  items: KubeObject[];
  results: Result[];
}

export interface RunOutcome {
  stdout: string;
  exitCode: number;
  results: Result[];
}

/**
 * Runs a transform over ResourceList text. On any error result the input items go back untouched
 * (kpt and Porch write nothing when the exit code is non-zero, and nothing half-done is offered).
 */
export function runOnText(name: string, transform: Transform, text: string): RunOutcome {
  const parsed = readInput(name, text);
  if ('outcome' in parsed) return parsed.outcome;
  let output: TransformOutput;
  try {
    output = transform(parsed.input);
  } catch (e) {
    return internalError(name, parsed, e);
  }
  return finish(parsed, output);
}

/** A transform with I/O at its edge (a shared ledger): the same contract, asynchronously. */
export type AsyncTransform = (input: ResourceList) => Promise<TransformOutput>;

export async function runOnTextAsync(name: string, transform: AsyncTransform, text: string): Promise<RunOutcome> {
  const parsed = readInput(name, text);
  if ('outcome' in parsed) return parsed.outcome;
  let output: TransformOutput;
  try {
    output = await transform(parsed.input);
  } catch (e) {
    return internalError(name, parsed, e);
  }
  return finish(parsed, output);
}

interface ParsedInput {
  reader: ResourceListReader;
  input: ResourceList;
}

function readInput(name: string, text: string): ParsedInput | { outcome: RunOutcome } {
  const reader = new ResourceListReader();
  let input: ResourceList;
  try {
    input = reader.read(text);
  } catch (e) {
    const message = e instanceof ResourceListError ? e.message : String(e);
    const result = generalError(`${name}: cannot read the ResourceList: ${message}`);
    if (e instanceof ResourceListError && e.file) result.file = { path: e.file };
    const results = [result];
    const echoed = echoItems(text);
    const stdout = echoed === undefined ? writeResourceList(reader, [], results) : `${echoed}${dumpYaml({ results })}`;
    return { outcome: { stdout, exitCode: 1, results } };
  }
  return { reader, input };
}

/**
 * The input's items back as they came, when an item cannot be read but the ResourceList's layout
 * can: a failed run returns what it was given (results are added by the caller's writer below).
 */
function echoItems(text: string): string | undefined {
  const split = splitResourceList(text);
  if (!split) return undefined;
  const items = split.raw.length === 0 ? 'items: []\n' : `items:\n${split.raw.map((r) => `${r}\n`).join('')}`;
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${items}`;
}

function internalError(name: string, { reader, input }: ParsedInput, e: unknown): RunOutcome {
  // Items are parsed when first read, so an item that is not valid YAML is found here.
  if (e instanceof ResourceListError) {
    const result = generalError(`${name}: cannot read the ResourceList: ${e.message}`);
    if (e.file) result.file = { path: e.file };
    const results = [result];
    return { stdout: writeResourceList(reader, input.items, results), exitCode: 1, results };
  }
  const err = e as Error;
  const results = [generalError(`${name}: internal error: ${err.message}. Please report it with the input package.`)];
  process.stderr.write(`${err.stack ?? err.message}\n`);
  return { stdout: writeResourceList(reader, input.items, results), exitCode: 1, results };
}

function finish({ reader, input }: ParsedInput, output: TransformOutput): RunOutcome {
  locateResults(input.items, output.results);
  const failed = hasErrors(output.results);
  const items = failed ? input.items : output.items;
  return { stdout: writeResourceList(reader, items, output.results), exitCode: failed ? 1 : 0, results: output.results };
}

/** Synchronous: the whole ResourceList is needed before anything can be done with it. */
/**
 * Makes each result's file path relative to the render's root package and, when the render spans
 * several packages, names that file in the message too: kpt prints only the resource, and two
 * subpackages may hold resources of the same name.
 */
function locateResults(items: readonly KubeObject[], results: Result[]): void {
  const packages = items.filter(isKptfile).map((k) => getAnnotation(k, ANNOTATIONS.packagePath) ?? packagePathOf(k));
  const root = packages.reduce<string | undefined>((a, p) => (a === undefined || p.length < a.length ? p : a), undefined) ?? '';
  for (const r of results) {
    // Messages naming a second file (collisions) carry the same absolute prefix.
    if (root) r.message = r.message.split(`${root}/`).join('');
    if (!r.file) continue;
    if (root && r.file.path.startsWith(`${root}/`)) r.file.path = r.file.path.slice(root.length + 1);
    if (packages.length > 1 && !r.message.includes(r.file.path)) r.message = `${r.message} [${r.file.path}]`;
  }
}

function readStdin(): string {
  // Each read goes into a buffer of its own, kept as it is: copying every chunk (and a 1 MiB
  // buffer zeroed for nothing) was a visible share of a function's time on large inputs.
  const chunks: Buffer[] = [];
  let total = 0;
  let buf = Buffer.allocUnsafe(1 << 22);
  let used = 0;
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, used, buf.length - used, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    used += n;
    total += n;
    if (used === buf.length) {
      chunks.push(buf);
      buf = Buffer.allocUnsafe(buf.length);
      used = 0;
    }
  }
  if (used > 0) chunks.push(buf.subarray(0, used));
  return (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)).toString('utf8');
}

/** The executable's edge: stdin to stdout, errors summarised on stderr, exit code for kpt. */
export function main(name: string, usage: string, transform: Transform): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return;
  }
  emit(name, runOnText(name, transform, readStdin()));
}

/** `main` for a transform with an asynchronous edge. */
export function mainAsync(name: string, usage: string, transform: AsyncTransform): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usage);
    return;
  }
  runOnTextAsync(name, transform, readStdin()).then(
    (outcome) => emit(name, outcome),
    (e: Error) => {
      process.stderr.write(`${name}: ${e.stack ?? e.message}\n`);
      process.exitCode = 1;
    },
  );
}

function emit(name: string, outcome: RunOutcome): void {
  process.stdout.write(outcome.stdout, () => {
    for (const r of outcome.results) {
      if (r.severity !== 'error') continue;
      const ref = r.resourceRef ? `${r.resourceRef.kind}/${r.resourceRef.name}` : '';
      const field = r.field ? ` ${r.field.path}` : '';
      process.stderr.write(`${name}: error: ${ref}${field}: ${r.message}\n`);
    }
    process.exitCode = outcome.exitCode;
  });
}
