/**
 * The two real kpt runs a plan compares: `kpt fn source DIR` (the package as kpt reads it now)
 * and `kpt fn render DIR -o stdout` (what the next render would write - kpt prints the rendered
 * ResourceList instead of writing the package). Both run with the same DIR from the working
 * directory, as the user's own `kpt fn render DIR` would (kpt resolves `exec:` paths from there).
 * Functions that use the shared ledger run read only (`NETPIPE_LEDGER_READ_ONLY=1`): the preview
 * allocates from the ledger as the render would and writes nothing to it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeObject } from '../../../functions/lib/src/kube/object';
import { ResourceListReader } from '../../../functions/lib/src/resource-list';
import { ENV } from '../../../functions/lib/src/ledger/config';
import { readKptResults, RenderResult } from './kpt-results';
import { ledgerImageSteps } from './ledger-steps';

export interface RenderPreview {
  readonly before: readonly KubeObject[];
  /** Undefined when the render fails (kpt writes nothing then either). */
  readonly after?: readonly KubeObject[];
  readonly results: readonly RenderResult[];
  /** kpt's own output when the render failed. */
  readonly failure?: string;
}

function kpt(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('kpt', args, { encoding: 'utf8', maxBuffer: 1 << 30, env });
  if (r.error) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'kpt is not on PATH' : r.error.message;
    throw new Error(`cannot run kpt: ${why}. plan runs the real kpt (1.0.0-beta.x); install it and run again`);
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function items(text: string, what: string): KubeObject[] {
  try {
    return new ResourceListReader().read(text).items;
  } catch (e) {
    throw new Error(`${what} printed something that is not a ResourceList: ${(e as Error).message}`);
  }
}

export function previewRender(dir: string): RenderPreview {
  const source = kpt(['fn', 'source', dir]);
  if (source.status !== 0) throw new Error(`kpt fn source ${dir} failed (exit ${source.status}):\n${source.stderr}`);
  const before = items(source.stdout, `kpt fn source ${dir}`);
  const writers = ledgerImageSteps(before);
  if (writers.length > 0) {
    const steps = writers.map((w) => `${w.field} of ${w.kptfile} (image ${w.image})`).join(', ');
    throw new Error(
      `cannot plan ${dir} without writing the shared ledger: ${steps} ${writers.length > 1 ? 'use' : 'uses'} it, and kpt gives image functions no environment, ` +
        `so they cannot be told to only read it (${ENV.readOnly}=1, which exec: steps get). Plan a copy of the package whose ledger steps are exec: steps of the same functions; nothing was run`,
    );
  }
  const resultsDir = mkdtempSync(join(tmpdir(), 'netpipe-plan-'));
  try {
    // The render is a real one: exec: functions that use the shared ledger read it and write nothing.
    const render = kpt(['fn', 'render', dir, '--allow-exec', '-o', 'stdout', '--results-dir', resultsDir], { ...process.env, [ENV.readOnly]: '1' });
    let results: RenderResult[] = [];
    try {
      results = readKptResults(resultsDir);
    } catch {
      // A render that failed before any function ran leaves no results file; kpt's output says why.
    }
    if (render.status !== 0) return { before, results, failure: `${render.stdout}${render.stderr}`.trim() };
    return { before, after: items(render.stdout, `kpt fn render ${dir} -o stdout`), results };
  } finally {
    rmSync(resultsDir, { recursive: true, force: true });
  }
}
