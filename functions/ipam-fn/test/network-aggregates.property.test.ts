/**
 * Carving per-cluster subnets out of Network aggregates, as a pure function: for random sets of
 * clusters (some with a recorded subnet already) the result does not depend on the order of the
 * wants, carved subnets never overlap one another or what was recorded, are aligned /24s inside
 * their aggregate, and a recorded subnet is never carved again.
 */
import fc from 'fast-check';
import { collectNetworkPrefixes, KubeObject, PoolSource } from '../../lib/src';
import { createPool, parseAddressWithLength } from '../../lib/src/ipam';
import { carveSubnets, CARVED_FROM, SubnetWant } from '../src/network-aggregates';

const network: KubeObject = {
  apiVersion: 'infra.nephio.org/v1alpha1',
  kind: 'Network',
  metadata: { name: 'vpc-ran' },
  spec: { routingTables: [{ name: 'vpc-ran', prefixes: [{ prefix: '172.2.0.0/20' }, { prefix: 'fd00:2::/56' }] }] },
};
const aggregates = collectNetworkPrefixes([network]).prefixes;

function recordedPool(cluster: string, index: number): PoolSource {
  const prefix = `172.2.${index}.0/24`;
  const pool = createPool({ prefix });
  if (!pool.ok) throw new Error(pool.error.message);
  const definedBy: KubeObject = { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'IPPrefix', metadata: { name: `r-${cluster}`, annotations: { [CARVED_FROM]: 'vpc-ran/vpc-ran/172.2.0.0/20' } } };
  return { networkInstance: 'vpc-ran', kind: 'network', pool: pool.value, labels: { 'nephio.org/cluster-name': cluster }, definedBy, field: 'spec' };
}

function range(prefix: string): [bigint, bigint] {
  const p = parseAddressWithLength(prefix);
  if (!p.ok) throw new Error(prefix);
  const size = 1n << BigInt((p.value.family === 'ipv4' ? 32 : 128) - p.value.length);
  return [p.value.value, p.value.value + size - 1n];
}

describe('carving per-cluster subnets', () => {
  it('is order-independent, aligned, inside the aggregate, and never overlaps or re-carves', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 12 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { maxLength: 4 }),
        fc.integer(),
        (clusters, recordedAt, seed) => {
          const recorded = recordedAt.slice(0, clusters.length).map((at, i) => recordedPool(`c${clusters[i]}`, at));
          const wants: SubnetWant[] = clusters.flatMap((c) => [
            { ni: 'vpc-ran', cluster: `c${c}`, family: 'ipv4' as const, selector: {} },
            { ni: 'vpc-ran', cluster: `c${c}`, family: 'ipv6' as const, selector: {} },
          ]);
          const shuffled = fc.sample(fc.shuffledSubarray(wants, { minLength: wants.length }), { seed, numRuns: 1 })[0]!;
          const lengths = { ipv4: 24, ipv6: 64 };
          const a = carveSubnets(aggregates, recorded, wants, new Map(), lengths);
          const b = carveSubnets(aggregates, [...recorded].reverse(), shuffled, new Map(), lengths);
          const key = (r: typeof a) => r.carved.map((c) => `${c.cluster} ${c.prefix}`).sort();
          expect(key(b)).toEqual(key(a));
          expect(a.results).toEqual([]);
          const taken = [...recorded.map((p) => p.pool.id), ...a.carved.map((c) => c.prefix)].map(range);
          for (let i = 0; i < taken.length; i++) {
            for (let j = i + 1; j < taken.length; j++) {
              expect(taken[i]![1] < taken[j]![0] || taken[j]![1] < taken[i]![0]).toBe(true);
            }
          }
          for (const c of a.carved) {
            const [lo, hi] = range(c.prefix);
            const [alo, ahi] = range(c.aggregate.pool.id);
            expect(lo >= alo && hi <= ahi).toBe(true);
            expect(Number(lo % (hi - lo + 1n))).toBe(0);
            const v4 = !c.prefix.includes(':');
            expect(c.prefix.endsWith(v4 ? '/24' : '/64')).toBe(true);
            if (v4) expect(recorded.some((p) => p.labels['nephio.org/cluster-name'] === c.cluster)).toBe(false);
          }
          // Every cluster ends up with exactly one IPv4 and one IPv6 subnet.
          for (const c of clusters) {
            const v4 = a.carved.filter((x) => x.cluster === `c${c}` && !x.prefix.includes(':')).length + recorded.filter((p) => p.labels['nephio.org/cluster-name'] === `c${c}`).length;
            expect(v4).toBe(1);
            expect(a.carved.filter((x) => x.cluster === `c${c}` && x.prefix.includes(':')).length).toBe(1);
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
