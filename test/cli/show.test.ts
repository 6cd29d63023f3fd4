/**
 * `netpipe show`: the address plan from the package files alone - the example packages and
 * hand-made trees, through the built CLI.
 */
import { claim, cleanupTrees, hasRow, KPTFILE, netpipe, tree } from './support';

afterAll(cleanupTrees);

const N3_POOLS = `apiVersion: ipam.resource.nephio.org/v1alpha1
kind: NetworkInstance
metadata:
  name: vpc-n3
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  prefixes:
  - prefix: 10.30.0.0/24
  - prefix: 2001:db8:30::/64
    gateway: 2001:db8:30::1
`;

describe('netpipe show', () => {
  it('shows every pool of the example packages with its exact usage, IPv6 sizes as powers of two', () => {
    const r = netpipe(['show', '.']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // A /24 less network, broadcast and gateway: 253; N6 also less its 8 router addresses.
    expect(hasRow(r.stdout, 'vpc-n3', '192.168.251.0/24', 'ipv4', 'all clusters', '253', '2', '251', '0.79%')).toBe(true);
    expect(hasRow(r.stdout, 'vpc-n6', '10.6.0.0/24', 'ipv4', 'core01', '245', '1', '244', '0.41%')).toBe(true);
    expect(hasRow(r.stdout, 'vpc-n6', '2001:db8:6::/64', 'ipv6', 'core01', '2^64 - 2', '1', '2^64 - 3', '<0.01%')).toBe(true);
    expect(r.stdout).not.toContain('18446744073709551614');
    expect(hasRow(r.stdout, 'core01', 'packages/core01/upf', 'upf-core01', 'n3', 'vpc-n3', 'ipv4', '192.168.251.2', '192.168.251.1', '-')).toBe(true);
    expect(hasRow(r.stdout, 'ran01', 'packages/ran01/gnb', 'gnb-ran01', 'n3', 'vpc-n3', 'ipv4', '192.168.251.3', '192.168.251.1', '-')).toBe(true);
    expect(hasRow(r.stdout, 'edge02', 'packages/edge02/upf', 'upf-edge02', 'n3', 'vpc-ran', 'ipv4', '172.3.2.2', '172.3.2.1', '1002')).toBe(true);
    expect(hasRow(r.stdout, 'edge02', '1000-1099', '1002', 'bridge domain vpc-ran-edge02-bd', 'upf-edge02', 'packages/edge02/upf')).toBe(true);
    // .krmignore keeps fixtures/ and functions/ out, as in a render: exactly the example's pools.
    expect(r.stdout).toContain('12 addresses held, 0 pending, in 9 pools of 7 network instances; 3 VLAN IDs held in 1 VLAN index');
  });

  it('--json: one document with pools (numbers, decimal strings for IPv6 sizes) and holdings', () => {
    const r = netpipe(['show', '.', '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['pools', 'holdings', 'pending', 'vlans', 'problems']);
    const n3 = doc.pools.find((p: { prefix: string }) => p.prefix === '192.168.251.0/24');
    expect(n3).toMatchObject({ networkInstance: 'vpc-n3', family: 'ipv4', usable: 253, used: 2, free: 251, utilization: '0.79%', usedByCluster: { core01: 1, ran01: 1 } });
    const n6v6 = doc.pools.find((p: { prefix: string }) => p.prefix === '2001:db8:6::/64');
    expect(n6v6).toMatchObject({ usable: '18446744073709551614', used: 1, free: '18446744073709551613' });
    expect(doc.holdings).toHaveLength(12);
    expect(doc.holdings).toContainEqual({
      cluster: 'core01',
      package: 'packages/core01/upf',
      workload: 'upf-core01',
      interface: 'n6',
      networkInstance: 'vpc-n6',
      family: 'ipv6',
      address: '2001:db8:6::2',
      prefix: '2001:db8:6::2/64',
      gateway: '2001:db8:6::1',
      vlan: null,
      claim: 'core/upf-core01-n6-ipv6',
      pool: '2001:db8:6::/64',
    });
    expect(doc.vlans).toEqual([expect.objectContaining({ index: 'edge02', range: '1000-1099', usable: 100, used: 3 })]);
  });

  it('counts a /24 with three holdings as 3 of 253, lists unallocated claims, and reads several directories', () => {
    const networks = tree({ Kptfile: KPTFILE('networks'), 'pools.yaml': N3_POOLS });
    const apps = tree({
      Kptfile: KPTFILE('apps'),
      'gnb/claims.yaml': [
        claim({ name: 'gnb-n3-ipv4', namespace: 'ran', ni: 'vpc-n3', cluster: 'ran01', iface: 'n3', workload: 'gnb', prefix: '10.30.0.2/24', gateway: '10.30.0.1' }),
        claim({ name: 'gnb-n3-ipv6', namespace: 'ran', ni: 'vpc-n3', cluster: 'ran01', iface: 'n3', workload: 'gnb', family: 'ipv6', prefix: '2001:db8:30::2/64', gateway: '2001:db8:30::1' }),
      ].join('---\n'),
      'upf/claims.yaml': [
        claim({ name: 'upf-n3-ipv4', namespace: 'core', ni: 'vpc-n3', cluster: 'core01', iface: 'n3', workload: 'upf', prefix: '10.30.0.3/24', gateway: '10.30.0.1' }),
        claim({ name: 'upf2-n3-ipv4', namespace: 'core', ni: 'vpc-n3', cluster: 'core01', iface: 'n3', workload: 'upf2', prefix: '10.30.0.4/24', gateway: '10.30.0.1' }),
        claim({ name: 'smf-n3-ipv4', namespace: 'core', ni: 'vpc-n3', cluster: 'core01', iface: 'n3', workload: 'smf' }),
      ].join('---\n'),
    });
    const r = netpipe(['show', networks, apps]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(hasRow(r.stdout, 'vpc-n3', '10.30.0.0/24', 'ipv4', 'all clusters', '253', '3', '250', '1.19%')).toBe(true);
    expect(hasRow(r.stdout, 'vpc-n3', '2001:db8:30::/64', 'ipv6', 'all clusters', '2^64 - 2', '1', '2^64 - 3', '<0.01%')).toBe(true);
    expect(r.stdout).toContain('claims the next render allocates (1):');
    expect(r.stdout).toMatch(/core01\s+\S+\s+smf\s+n3\s+vpc-n3\s+core\/smf-n3-ipv4/);
    expect(r.stdout).toContain('4 addresses held, 1 pending, in 2 pools of 1 network instance');
    const doc = JSON.parse(netpipe(['show', networks, apps, '--json']).stdout);
    expect(doc.pools[0]).toMatchObject({ prefix: '10.30.0.0/24', usable: 253, used: 3, free: 250, usedByCluster: { core01: 2, ran01: 1 } });
  });

  it('says when an address lies outside every pool of its network instance', () => {
    const dir = tree({
      Kptfile: KPTFILE('p'),
      'pools.yaml': N3_POOLS,
      'claims.yaml': claim({ name: 'x-n3-ipv4', namespace: 'ns', ni: 'vpc-n3', cluster: 'c1', iface: 'n3', workload: 'x', prefix: '10.99.0.5/24', gateway: '10.99.0.1' }),
    });
    const r = netpipe(['show', dir]);
    expect(r.stdout).toContain('10.99.0.5 (outside every pool)');
    expect(hasRow(r.stdout, 'vpc-n3', '10.30.0.0/24', 'ipv4', 'all clusters', '253', '0', '253', '0.00%')).toBe(true);
  });

  it('refuses an invalid pool as a render would, naming the resource and what to fix (exit 1)', () => {
    const dir = tree({ Kptfile: KPTFILE('p'), 'pools.yaml': N3_POOLS.replace('10.30.0.0/24', '10.30.0.7/24') });
    const r = netpipe(['show', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('problems (1):');
    expect(r.stdout).toContain('has host bits set; write the subnet as 10.30.0.0/24');
  });

  it('has --help, and refuses unknown options and missing directories', () => {
    const help = netpipe(['show', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: netpipe show DIR... [--json]');
    expect(help.stdout).toContain('decimal strings');
    const typo = netpipe(['show', '.', '--jsn']);
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('show: unknown option --jsn');
    expect(netpipe(['show']).stderr).toContain('show takes the package directories');
    expect(netpipe(['show', 'no-such-dir']).stderr).toContain('show: no-such-dir is not a directory');
  });
});
