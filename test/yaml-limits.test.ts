/**
 * Hostile YAML through every function: an alias bomb, over-deep nesting, an oversized document,
 * duplicate keys and merge keys each end in an error result that names the item's file and
 * resource, exit 1, and the input items back unchanged - never a hang, never an internal error.
 */
import { runOnText } from '../functions/lib/src/runner';
import { YAML_LIMITS } from '../functions/lib/src/yaml/limits';
import { FUNCTIONS } from './support/functions';

/** A Deployment (every function reads workloads or can) in kpt's layout, `body` under spec. */
function deployment(name: string, body: string): string {
  return [
    '- apiVersion: apps/v1',
    '  kind: Deployment',
    '  metadata:',
    `    name: ${name}`,
    '    namespace: core',
    '    annotations:',
    `      config.kubernetes.io/path: 'core/${name}.yaml'`,
    `      internal.config.kubernetes.io/path: 'core/${name}.yaml'`,
    '  spec:',
    body,
  ].join('\n');
}

function resourceList(...items: string[]): string {
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.join('\n')}\n`;
}

function aliasBomb(): string {
  const lines = ['    a: &a ["x","x","x","x","x","x","x","x","x"]'];
  let prev = 'a';
  for (const n of 'bcdefghi') {
    lines.push(`    ${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]`);
    prev = n;
  }
  return lines.join('\n');
}

function deep(levels: number): string {
  return `    deep: ${'['.repeat(levels)}1${']'.repeat(levels)}`;
}

const cases: Array<[string, string, RegExp]> = [
  ['an alias bomb (9^9 nodes in 600 bytes)', deployment('bomb', aliasBomb()), /Deployment bomb, file core\/bomb\.yaml\) is refused: with its aliases expanded/],
  ['nesting 5,000 levels deep', deployment('deep', deep(5000)), /Deployment deep, file core\/deep\.yaml\) is refused: mappings and lists nest deeper than 100/],
  ['nesting 150 levels deep', deployment('deep', deep(150)), /Deployment deep, file core\/deep\.yaml\) is refused: mappings and lists nest deeper than 100/],
  ['a document over the size limit', deployment('big', `    blob: "${'x'.repeat(YAML_LIMITS.maxDocumentBytes)}"`), /Deployment big, file core\/big\.yaml\) is refused: the document has \d+ bytes/],
  ['a duplicate key', deployment('dup', '    replicas: 1\n    replicas: 2'), /Deployment dup, file core\/dup\.yaml\) is not valid YAML: duplicated mapping key/],
  ['a merge key', deployment('merge', '    base: &base {replicas: 1}\n    strategy:\n      <<: *base'), /Deployment merge, file core\/merge\.yaml\) is refused: merge keys \(<<\) are not supported/],
];

describe.each(Object.keys(FUNCTIONS))('%s', (fn) => {
  it.each(cases)('refuses %s, naming file and resource, input unchanged', (_what, item, message) => {
    const input = resourceList(item);
    const out = runOnText(fn, FUNCTIONS[fn], input);
    // Functions that never read a Deployment never parse it: then it goes back untouched (their
    // results hold only the step's summary).
    if (out.exitCode === 0) {
      const at = out.stdout.indexOf('\nresults:\n');
      expect(at < 0 ? out.stdout : out.stdout.slice(0, at + 1)).toBe(input);
      expect(out.results.every((r) => r.severity === 'info')).toBe(true);
      return;
    }
    expect(out.exitCode).toBe(1);
    const errors = out.results.filter((r) => r.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(message);
    expect(errors[0].message).not.toMatch(/internal error/);
    expect(errors[0].file?.path).toMatch(/^core\//);
    expect(out.stdout.slice(0, out.stdout.indexOf('\nresults:\n') + 1)).toBe(input);
  });
});

it('deployment-annotate-fn reads every workload, so it meets each case', () => {
  for (const [, item, message] of cases) {
    const out = runOnText('deployment-annotate-fn', FUNCTIONS['deployment-annotate-fn'], resourceList(item));
    expect(out.exitCode).toBe(1);
    expect(out.results[0].message).toMatch(message);
  }
});
