/**
 * netpipe-fn in process against the four functions chained in process, on every golden fixture
 * of every function (each fixture's functionConfig going to its own function): same exit code, same
 * items, and results that name their step. Fast and broad; the kpt renders in equivalence.test.ts
 * are the real comparison.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOnText, runOnTextAsync } from '../../functions/lib/src/runner';
import { netpipeFn, runStepsWithEdges } from '../../functions/netpipe-fn/src/transform';
import { ipamWithLedger } from '../../functions/ipam-fn/src/edge';
import { splitConfig } from '../../functions/netpipe-fn/src/config';
import { STEPS } from '../../functions/netpipe-fn/src/steps';
import { KubeObject } from '../../functions/lib/src';
import { FUNCTIONS } from '../support/functions';
import { kptSource, kptSourceMany, withFunctionConfig } from '../support/kpt';

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

const itemsOf = (resourceList: string): string => {
  const at = resourceList.indexOf('\nresults:\n');
  return at < 0 ? resourceList : resourceList.slice(0, at + 1);
};

/**
 * The four functions one after the other, `fnConfig` given to `owner` only. As under kpt, a failing
 * step means nothing of the run is kept: the input comes back.
 */
function fourSteps(input: string, owner: string, fnConfig: string | undefined, steps = 4): { stdout: string; exitCode: number } {
  let current = input;
  for (const [name, transform] of Object.entries(FUNCTIONS).slice(0, steps)) {
    const out = runOnText(name, transform, name === owner ? withFunctionConfig(current, fnConfig) : current);
    if (out.exitCode !== 0) return { stdout: input, exitCode: out.exitCode };
    current = out.stdout;
  }
  return { stdout: current, exitCode: 0 };
}

const cases: Array<[string, string]> = [];
for (const fn of readdirSync(FIXTURES).sort()) {
  if (!(fn in FUNCTIONS) && fn !== 'pipeline') continue;
  for (const c of readdirSync(join(FIXTURES, fn)).sort()) if (existsSync(join(FIXTURES, fn, c, 'input'))) cases.push([fn, c]);
}

/** What real `kpt fn source` makes of each case's input tree (all cases' kpt runs side by side). */
const SOURCES = kptSourceMany(cases.map(([fn, c]) => join(FIXTURES, fn, c, 'input')));

describe.each(cases.map(([fn, c], i) => [fn, c, SOURCES[i]!] as const))('%s / %s', (fn, c, source) => {
  it('one step gives what the four steps give', () => {
    const dir = join(FIXTURES, fn, c);
    const fnConfigPath = join(dir, '_fnconfig.yaml');
    const fnConfig = existsSync(fnConfigPath) ? readFileSync(fnConfigPath, 'utf8') : undefined;
    const four = fourSteps(source, fn, fnConfig);
    const one = runOnText('netpipe-fn', netpipeFn, withFunctionConfig(source, fnConfig));
    expect(one.exitCode).toBe(four.exitCode);
    expect(itemsOf(one.stdout)).toBe(itemsOf(four.stdout));
    if (one.exitCode !== 0) {
      const failed = one.results.filter((r) => r.severity === 'error');
      expect(failed.length).toBeGreaterThan(0);
      for (const r of failed) expect(r.message).toMatch(/^(interface-fn|ipam-fn|nad-fn|deployment-annotate-fn|netpipe-fn): /);
    }
  });
});

describe('splitConfig', () => {
  const cm = (data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'function-input' },
    data,
  });
  const ni: KubeObject = { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'NetworkInstance', metadata: { name: 'vpc-x' }, spec: {} };

  it('gives each step a ConfigMap of its own keys, and none to a step without keys', () => {
    const { byStep, results } = splitConfig(cm({ defaultRouteNetworks: 'vpc-n6', cniVersion: '1.0.0' }), STEPS);
    expect(results).toEqual([]);
    expect(byStep.get('interface-fn')).toBeUndefined();
    expect(byStep.get('ipam-fn')).toBeUndefined();
    expect(byStep.get('nad-fn')).toEqual(cm({ cniVersion: '1.0.0' }));
    expect(byStep.get('deployment-annotate-fn')).toEqual(cm({ defaultRouteNetworks: 'vpc-n6' }));
  });

  it('sends pools to ipam-fn, alone or from a List beside a ConfigMap', () => {
    expect(splitConfig(ni, STEPS).byStep.get('ipam-fn')).toBe(ni);
    const list: KubeObject = { apiVersion: 'v1', kind: 'List', metadata: { name: 'cfg' }, items: [ni, cm({ cniVersion: '1.0.0' })] };
    const { byStep, results } = splitConfig(list, STEPS);
    expect(results).toEqual([]);
    expect(byStep.get('ipam-fn')).toEqual({ ...list, items: [ni] });
    expect(byStep.get('nad-fn')).toEqual(cm({ cniVersion: '1.0.0' }));
  });

  it('refuses a key no step reads and a kind no step takes', () => {
    const unknown = splitConfig(cm({ cniversion: '1.0.0' }), STEPS).results;
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ severity: 'error', field: { path: 'data.cniversion' } });
    expect(unknown[0].message).toMatch(/unknown key cniversion in netpipe-fn's functionConfig \(its keys are .*cniVersion.*\): did you mean cniVersion\?$/);
    const wrongKind = splitConfig({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }, STEPS).results;
    expect(wrongKind[0]).toMatchObject({ severity: 'error', field: { path: 'kind' } });
  });
});

describe('the ipam step through ipam-fn ledger edge', () => {
  it('with ledger keys in the one functionConfig, netpipe-fn goes to the ledger as ipam-fn does (here: unreachable, so nothing changes)', async () => {
    const source = kptSource(join(FIXTURES, 'pipeline', 'multi-cluster', 'input'));
    const fnConfig = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  ledgerEndpoints: http://127.0.0.1:9\n  ledgerTimeoutMs: "2000"\n  defaultRouteNetworks: vpc-n6\n';
    const input = withFunctionConfig(source, fnConfig);
    const one = await runOnTextAsync('netpipe-fn', (rl) => runStepsWithEdges(rl), input);
    // ipam-fn alone gets only its own keys, as its own pipeline step would (another step's key is an error there).
    const ipamConfig = fnConfig.replace('  defaultRouteNetworks: vpc-n6\n', '');
    const alone = await runOnTextAsync('ipam-fn', ipamWithLedger, withFunctionConfig(fourSteps(source, 'none', undefined, 1).stdout, ipamConfig));
    expect(one.exitCode).toBe(1);
    expect(alone.exitCode).toBe(1);
    expect(itemsOf(one.stdout)).toBe(itemsOf(source));
    const message = one.results.find((r) => r.severity === 'error')?.message ?? '';
    expect(message).toMatch(/^ipam-fn: the shared address ledger \(etcd http:\/\/127\.0\.0\.1:9, prefix \/netpipe\) cannot be used/);
    expect(message).toBe(alone.results.find((r) => r.severity === 'error')?.message);
  });
});
