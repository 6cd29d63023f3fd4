/**
 * Which subnets an attachment routes via its gateway, per route policy of its network instance.
 */
import { collectPools } from '../src/pools';
import { routeDestinations } from '../src/routes';
import { KubeObject } from '../src/kube/object';
import { parseAddress } from '../src/ipam/address';

const ni = (policy: string | undefined, prefixes: Array<{ prefix: string; cluster?: string }>): KubeObject => ({
  apiVersion: 'ipam.resource.nephio.org/v1alpha1',
  kind: 'NetworkInstance',
  metadata: { name: 'vpc-n3', ...(policy ? { annotations: { 'netpipe.dev/routes': policy } } : {}) },
  spec: { prefixes: prefixes.map((p) => ({ prefix: p.prefix, ...(p.cluster ? { labels: { 'nephio.org/cluster-name': p.cluster } } : {}) })) },
});

const PREFIXES = [
  { prefix: '10.3.1.0/24', cluster: 'ran01' },
  { prefix: '10.3.2.0/24', cluster: 'core01' },
  { prefix: '10.3.3.0/24', cluster: 'ran01' },
  { prefix: '10.3.9.0/24' },
  { prefix: '2001:db8:3::/64', cluster: 'ran01' },
];

function routes(policy: string | undefined, address: string, cluster: string): string[] {
  const { pools, results } = collectPools([ni(policy, PREFIXES)]);
  expect(results).toEqual([]);
  const a = parseAddress(address);
  if (!a.ok) throw new Error(address);
  return routeDestinations({ networkInstance: 'vpc-n3', family: a.value.family, value: a.value.value, cluster }, pools, []);
}

describe('routeDestinations', () => {
  it('all (the default): every other subnet of the family', () => {
    expect(routes(undefined, '10.3.1.5', 'ran01')).toEqual(['10.3.2.0/24', '10.3.3.0/24', '10.3.9.0/24']);
    expect(routes('all', '10.3.1.5', 'ran01')).toEqual(['10.3.2.0/24', '10.3.3.0/24', '10.3.9.0/24']);
    expect(routes('all', '2001:db8:3::5', 'ran01')).toEqual([]);
  });
  it("own: only the other subnets of the claim's cluster", () => {
    expect(routes('own', '10.3.1.5', 'ran01')).toEqual(['10.3.3.0/24']);
    expect(routes('own', '10.3.2.5', 'core01')).toEqual([]);
  });
  it('none: nothing beyond the own subnet', () => {
    expect(routes('none', '10.3.1.5', 'ran01')).toEqual([]);
  });
  it('a policy that is none of those is an error naming the annotation', () => {
    const { results } = collectPools([ni('some', PREFIXES)]);
    expect(results).toHaveLength(1);
    expect(results[0].message).toMatch(/annotation netpipe\.dev\/routes "some" is not a route policy: use all, own, none/);
    expect(results[0].field?.path).toBe('metadata.annotations[netpipe.dev/routes]');
  });
});
