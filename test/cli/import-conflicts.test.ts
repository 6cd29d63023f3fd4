/**
 * `netpipe import` refuses what netpipe cannot keep: every conflict is printed (resource, field,
 * what to fix), the exit code is 1 and nothing is written - no DIR when it did not exist, an empty
 * DIR stays empty. A DIR with files in it is never written into.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, cleanup, FIXTURES, netpipe, scratchDir, tree } from './import-support';

beforeAll(checkPrerequisites);
afterAll(cleanup);

interface Report {
  written: boolean;
  conflicts: { resource: string; field?: string; problem: string }[];
}

const problems = (r: Report): string[] => r.conflicts.map((c) => `${c.resource} | ${c.problem}`);

describe('netpipe import conflicts', () => {
  it('--from nads: one address on two workloads, a gateway outside its subnet, a subnet with two gateways, NADs netpipe cannot express: exit 1, nothing written', () => {
    const dir = join(scratchDir(), 'core09');
    const r = netpipe(['import', '--from', 'nads', join(FIXTURES, 'conflicts'), '--into', dir, '--cluster', 'core09', '--master', 'eth1', '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.written).toBe(false);
    const p = problems(report);
    expect(p).toContainEqual(expect.stringMatching(/Deployment core\/amf .*Deployment core\/smf .*address 10\.40\.9\.5 is on Deployment core\/amf n4 .* and Deployment core\/smf n4/));
    expect(p).toContainEqual(expect.stringMatching(/core\/amf-n2 .*address 10\.20\.9\.5\/24 of Deployment amf is outside the subnet of its gateway 10\.21\.9\.1/));
    expect(p).toContainEqual(expect.stringMatching(/core\/smf-n3 .*core\/upf-n3 .*subnet 10\.30\.9\.0\/24 has 2 gateways \(10\.30\.9\.1, 10\.30\.9\.254\)/));
    expect(p).toContainEqual(expect.stringMatching(/core\/upf-n9 .*CNI type "bridge": netpipe makes macvlan, ipvlan and sriov attachments only/));
    expect(p).toContainEqual(expect.stringMatching(/core\/upf-n6 .*macvlan mode vepa: netpipe writes mode bridge only/));
    expect(p).toContainEqual(expect.stringMatching(/core\/upf-n6 .*macvlan keys netpipe cannot reproduce: mtu/));
    expect(report.conflicts).toHaveLength(6);
    expect(report.conflicts.every((c) => /fixtures\/import\/conflicts\/(nads|workloads)\.yaml\)$/.test(c.resource))).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(join(dir, '..'))).toEqual([]);

    // The table says the same.
    const text = netpipe(['import', '--from', 'nads', join(FIXTURES, 'conflicts'), '--into', dir, '--cluster', 'core09', '--master', 'eth1']);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/^6 conflicts: nothing written to /);
    expect(text.stdout).toMatch(/RESOURCE +FIELD +CONFLICT/);
  });

  it('--from nads: routes netpipe would write differently (a default route, another next hop, one NAD of a network routing and another not): exit 1, nothing written', () => {
    const dir = join(scratchDir(), 'core09');
    const r = netpipe(['import', '--from', 'nads', join(FIXTURES, 'conflicts-routes'), '--into', dir, '--cluster', 'core09', '--master', 'eth1', '--json']);
    expect(r.status).toBe(1);
    expect(problems(JSON.parse(r.stdout) as Report)).toEqual([
      expect.stringMatching(/core\/upf-n3 .*route 10\.31\.0\.0\/16 via 10\.30\.9\.254, not via the subnet's gateway 10\.30\.9\.1/),
      expect.stringMatching(/core\/upf-n6 .*default route 0\.0\.0\.0\/0: netpipe writes no default route into a NAD .*defaultRouteNetworks/),
      expect.stringMatching(/core\/smf-n4 .*routes \(none\) from 10\.40\.9\.0\/24: netpipe routes every other ipv4 prefix of network n4 via the gateway \(10\.41\.0\.0\/24\)/),
    ]);
    expect(existsSync(dir)).toBe(false);
  });

  it('an existing empty DIR stays empty; a master other than --master is a conflict', () => {
    const dir = scratchDir();
    const r = netpipe(['import', '--from', 'nads', join(FIXTURES, 'ran01'), '--into', dir, '--cluster', 'ran01', '--master', 'eth9', '--json']);
    expect(r.status).toBe(1);
    const p = problems(JSON.parse(r.stdout) as Report);
    expect(p).toContainEqual(expect.stringMatching(/ran\/gnb-n3 .*master eth1\.100: netpipe attaches every macvlan network of the cluster to --master eth9/));
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a DIR with files in it is refused before anything is read (exit 2), and left as it was', () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n');
    const before = tree(dir);
    const r = netpipe(['import', '--from', 'nads', join(FIXTURES, 'ran01'), '--into', join(dir, 'pkg'), '--cluster', 'ran01', '--master', 'eth1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/is not empty: import into a new or empty directory/);
    expect(tree(dir)).toEqual(before);
  });

  it('--from whereabouts: two pods of one Deployment in a pool is a conflict naming both pods and addresses', () => {
    const dir = join(scratchDir(), 'core09');
    const r = netpipe(['import', '--from', 'whereabouts', join(FIXTURES, 'whereabouts-replicas'), '--into', dir, '--cluster', 'core09', '--master', 'eth1', '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.conflicts).toEqual([
      expect.objectContaining({
        field: 'spec.replicas',
        problem: expect.stringMatching(/^2 pods of Deployment nrf hold addresses of 10\.50\.0\.0\/24 \(10\.50\.0\.2 core\/nrf-6b8d9c7f5-k2m4p, 10\.50\.0\.3 core\/nrf-6b8d9c7f5-t7v9x\): netpipe gives a workload interface one static address/),
      }),
    ]);
    expect(existsSync(dir)).toBe(false);
  });

  it('--help says what the command does; a missing option is a usage error', () => {
    const h = netpipe(['import', '--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^usage: netpipe import --from nads FILE_OR_DIR\.\.\. --into DIR --cluster NAME --master IF/);
    const u = netpipe(['import', '--from', 'nads', join(FIXTURES, 'ran01'), '--cluster', 'ran01', '--master', 'eth1']);
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/--into is required/);
  });
});
