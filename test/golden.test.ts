/**
 * Golden tests: fixtures/<function>/<case>/ holds an input package tree (`input/`), an optional
 * functionConfig (`_fnconfig.yaml`) and the expected ResourceList (`_expected.yaml`, items and
 * results). The input is read by real `kpt fn source`, so items carry exactly kpt's annotations.
 * Every case runs twice: the second run over the first one's output must change nothing.
 * `UPDATE_GOLDEN=1 npx jest test/golden` rewrites the expected files (review the diff!).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOnText } from '../functions/lib/src/runner';
import { FUNCTIONS, runPipeline } from './support/functions';
import { kptSourceMany, withFunctionConfig } from './support/kpt';

const FIXTURES = join(__dirname, '..', 'fixtures');
const update = process.env.UPDATE_GOLDEN === '1';

function cases(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const fn of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, fn);
    if (!existsSync(dir) || !(fn in FUNCTIONS || fn === 'pipeline')) continue;
    for (const c of readdirSync(dir).sort()) {
      if (existsSync(join(dir, c, 'input'))) out.push([fn, c]);
    }
  }
  return out;
}

function run(fn: string, text: string): { stdout: string; exitCode: number } {
  if (fn === 'pipeline') return runPipeline(text);
  return runOnText(fn, FUNCTIONS[fn], text);
}

/** The items part of a ResourceList, without results. */
function itemsOf(resourceList: string): string {
  const at = resourceList.indexOf('\nresults:\n');
  return at < 0 ? resourceList : resourceList.slice(0, at + 1);
}

const CASES = cases();
/** What real `kpt fn source` makes of each case's input tree (all cases' kpt runs side by side). */
const SOURCES = kptSourceMany(CASES.map(([fn, name]) => join(FIXTURES, fn, name, 'input')));

describe.each(CASES.map(([fn, name], i) => [fn, name, SOURCES[i]!] as const))('%s / %s', (fn, name, source) => {
  const dir = join(FIXTURES, fn, name);
  const fnConfigPath = join(dir, '_fnconfig.yaml');
  const fnConfig = existsSync(fnConfigPath) ? readFileSync(fnConfigPath, 'utf8') : undefined;
  const input = withFunctionConfig(source, fnConfig);
  const first = run(fn, input);
  const expectedPath = join(dir, '_expected.yaml');

  it('matches _expected.yaml', () => {
    if (update) writeFileSync(expectedPath, first.stdout);
    expect(first.stdout).toBe(readFileSync(expectedPath, 'utf8'));
  });

  it('exits non-zero exactly when a result has severity error', () => {
    expect(first.exitCode !== 0).toBe(/\n  severity: error\n/.test(first.stdout));
  });

  if (/\n  severity: error\n/.test(first.stdout)) {
    it('on error returns every input item unchanged', () => {
      expect(itemsOf(first.stdout)).toBe(itemsOf(source));
    });
  } else {
    it('a second run changes nothing', () => {
      const second = run(fn, withFunctionConfig(itemsOf(first.stdout), fnConfig));
      expect(second.exitCode).toBe(0);
      expect(itemsOf(second.stdout)).toBe(itemsOf(first.stdout));
    });
  }
});
