import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * The `console` blocks of each function README's Examples section are run as written - real kpt,
 * the built bundles - on a copy of the package they name, and must print what the README shows.
 * `$ ` starts a command; the lines up to the next command are its output (stdout and stderr).
 */
const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn', 'netpipe-fn'];

interface Step {
  command: string;
  output: string;
}

function examplesSection(readme: string): string {
  const start = readme.indexOf('\n## Examples\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

function consoleBlocks(section: string): Step[][] {
  const blocks: Step[][] = [];
  for (const m of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    const steps: Step[] = [];
    for (const line of m[1].replace(/\n$/, '').split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: '' });
      else if (steps.length > 0) steps[steps.length - 1].output += `${line}\n`;
    }
    blocks.push(steps);
  }
  return blocks;
}

/** The package a `kpt fn eval|render` command works on: its first argument that is no flag. */
function packageOf(command: string): string | undefined {
  const m = /^kpt fn (?:eval|render)\s+(.*)$/.exec(command);
  return m?.[1].split(/\s+/).find((a) => !a.startsWith('-'));
}

/** kpt prints how long each function took; that alone may differ from the README. */
const normalise = (text: string): string => text.replace(/^(\[(?:PASS|FAIL)\] ".*") in [0-9.]+[a-zµ]+$/gm, '$1 in <time>');

describe('function README examples run as shown', () => {
  it.each(FUNCTIONS)('%s', (fn) => {
    const blocks = consoleBlocks(examplesSection(readFileSync(join(ROOT, 'functions', fn, 'README.md'), 'utf8')));
    expect(blocks.length).toBeGreaterThan(0);
    for (const steps of blocks) {
      expect(steps.some((s) => packageOf(s.command) !== undefined)).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), `example-${fn}-`));
      try {
        symlinkSync(join(ROOT, 'functions'), join(dir, 'functions'));
        for (const pkg of steps.map((s) => packageOf(s.command)).filter((p): p is string => p !== undefined)) {
          mkdirSync(join(dir, dirname(pkg)), { recursive: true });
          cpSync(join(ROOT, pkg), join(dir, pkg), { recursive: true });
        }
        for (const step of steps) {
          const r = spawnSync('bash', ['-c', `${step.command} 2>&1`], { cwd: dir, encoding: 'utf8' });
          expect({ command: step.command, output: normalise(r.stdout) }).toEqual({ command: step.command, output: normalise(step.output) });
          expect(r.status).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
