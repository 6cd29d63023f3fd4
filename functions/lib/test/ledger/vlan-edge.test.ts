/**
 * The VLAN side of the shared ledger (ledger/vlan-edge.ts) without etcd: a snapshot of VLAN index
 * keys as the edge loads them, the hooks ipam-fn's VLAN step calls, and the commit that turns the
 * render's claims into the new index records - definitions published once, IDs continued after the
 * ledger's cursor, conflicts named with the packages that hold the ID, and releases limited to the
 * packages and clusters the render speaks for.
 */
import type { KubeObject } from '../../src/kube/object';
import { LedgerKeys } from '../../src/ledger/keys';
import type { VlanIndexRecord } from '../../src/ledger/keys';
import { decodeRecord } from '../../src/ledger/records';
import { packageVlans, SnapshotView, vlanCommit, VlanCommitInput, VlanEdge, VlanFact, vlanFacts, withoutHolders } from '../../src/ledger/vlan-edge';
import { errorOf, unwrap } from '../ipam/helpers';

const keys = new LedgerKeys('/netpipe');
const LEDGER = 'etcd http://127.0.0.1:2379 /netpipe';
const RANGE = { min: 1000, max: 1099 };

/** Index name -> its record (null: looked up, absent); indexes not listed were never loaded. */
function view(records: Readonly<Record<string, VlanIndexRecord | null>>): SnapshotView {
  // As etcd holds them: JSON text per key.
  const kv = new Map<string, string | null>(Object.entries(records).map(([index, rec]) => [keys.vlan(index), rec === null ? null : JSON.stringify(rec)]));
  return {
    kv,
    record(kind: 'vlan', key: string): VlanIndexRecord | undefined {
      const text = kv.get(key);
      return text ? decodeRecord(kind, key, text) : undefined;
    },
  };
}

const published = (held: VlanIndexRecord['held'] = {}, cursor: number | null = null): VlanIndexRecord => ({
  definition: { min: 1000, max: 1099, exclude: ['1010-1019'] },
  package: 'networks',
  cursor,
  held,
});

const PUBLISHED_RANGE = { min: 1000, max: 1099, exclude: [{ lo: 1010, hi: 1019 }] };

describe('VlanEdge: the hooks of one step over one snapshot', () => {
  it('an index the snapshot has not loaded is wanted, and its space is pending', () => {
    const edge = new VlanEdge(view({}), keys, LEDGER);
    expect(edge.published('edge02')).toBeUndefined();
    expect(edge.define('edge02', RANGE)).toBeUndefined();
    expect(errorOf(edge.space('edge02', RANGE)).code).toBe('ledger-pending');
    expect(new Set(edge.wants)).toEqual(new Set([keys.vlan('edge02')]));
    expect(edge.definitions.size).toBe(0);
    expect(edge.spaces.size).toBe(0);
  });

  it('reads the published range back as the step writes it', () => {
    const edge = new VlanEdge(view({ edge02: published() }), keys, LEDGER);
    expect(edge.published('edge02')).toEqual(PUBLISHED_RANGE);
    expect(new VlanEdge(view({ edge02: null }), keys, LEDGER).published('edge02')).toBeUndefined();
  });

  it('publishes a definition only where the ledger has none, exclusions sorted', () => {
    const edge = new VlanEdge(view({ edge02: null }), keys, LEDGER);
    expect(edge.define('edge02', { min: 1000, max: 1099, exclude: [{ lo: 1050, hi: 1050 }, { lo: 1010, hi: 1019 }] })).toBeUndefined();
    expect(edge.definitions.get('edge02')).toEqual({ min: 1000, max: 1099, exclude: ['1010-1019', '1050'] });
    const same = new VlanEdge(view({ edge02: published() }), keys, LEDGER);
    expect(same.define('edge02', PUBLISHED_RANGE)).toBeUndefined();
    expect(same.definitions.size).toBe(0);
  });

  it('a definition that differs from the published one names the publisher and every difference', () => {
    const edge = new VlanEdge(view({ edge02: published() }), keys, LEDGER);
    const message = edge.define('edge02', { min: 1000, max: 1199 });
    expect(message).toContain(`VLAN index edge02 differs from the definition published in ${LEDGER} by package networks`);
    expect(message).toContain('range 1000-1099 in the ledger, 1000-1199 here');
    expect(message).toContain('exclusions [1010-1019] in the ledger, [] here');
    expect(edge.definitions.size).toBe(0);
    expect(errorOf(edge.space('edge02', { min: 1000, max: 1199 })).code).toBe('invalid-state');
  });

  it("seeds the space with the ledger's IDs and continues after its cursor", () => {
    const held = { '1000': { binding: 'bridge domain a', holders: [['edge02-upf', 'edge02'] as const] }, '1021': { binding: 'bridge domain b', holders: [['edge02-smf', 'edge02'] as const] } };
    const edge = new VlanEdge(view({ edge02: published(held, 1020) }), keys, LEDGER);
    const space = unwrap(edge.space('edge02', PUBLISHED_RANGE));
    expect(space.held).toBe(2);
    expect(space.holderOf(1021)).toBe('bridge domain b');
    expect(unwrap(space.allocate('bridge domain c'))).toBe(1022);
    expect(unwrap(edge.space('edge02', PUBLISHED_RANGE))).toBe(space);
  });

  it('without a cursor, allocation starts at the bottom of the range, skipping exclusions', () => {
    const edge = new VlanEdge(view({ edge02: published({}, null) }), keys, LEDGER);
    const space = unwrap(edge.space('edge02', PUBLISHED_RANGE));
    const ids = Array.from({ length: 11 }, (_, i) => unwrap(space.allocate(`bridge domain ${i}`)));
    expect(ids).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1020]);
  });

  it('an ID held in the ledger by another binding names its packages', () => {
    const held = { '1005': { binding: 'bridge domain a', holders: [['edge02-upf', 'edge02'] as const, ['edge02-smf', 'edge02'] as const] } };
    const space = unwrap(new VlanEdge(view({ edge02: published(held) }), keys, LEDGER).space('edge02', PUBLISHED_RANGE));
    const e = errorOf(space.reserve('bridge domain z', 1005));
    expect(e.code).toBe('address-conflict');
    expect(e.owners).toEqual(['bridge domain a', 'bridge domain z']);
    expect(e.message).toContain(`The shared ledger (${LEDGER}) records VLAN 1005 for "bridge domain a" of package edge02-upf, edge02-smf.`);
  });

  it('a claim recording another ID than the ledger says how to restore it', () => {
    const held = { '1005': { binding: 'bridge domain a', holders: [['edge02-upf', 'edge02'] as const] } };
    const space = unwrap(new VlanEdge(view({ edge02: published(held) }), keys, LEDGER).space('edge02', PUBLISHED_RANGE));
    const e = errorOf(space.reserve('bridge domain a', 1006));
    expect(e.code).toBe('owner-conflict');
    expect(e.message).toContain('records VLAN 1005 for "bridge domain a", the claim records 1006: restore 1005 in the claim');
  });

  it('a full index points at the ledger in its message', () => {
    const edge = new VlanEdge(view({ tiny: { definition: { min: 2, max: 2, exclude: [] }, package: 'p', cursor: null, held: {} } }), keys, LEDGER);
    const space = unwrap(edge.space('tiny', { min: 2, max: 2 }));
    unwrap(space.allocate('bridge domain a'));
    const e = errorOf(space.allocate('bridge domain b'));
    expect(e.code).toBe('exhausted');
    expect(e.message).toContain(`(shared ledger ${LEDGER}; netpipe ledger status lists the holders)`);
  });

  it('a hand-edited key holding an ID outside its definition is reported, not loaded', () => {
    const held = { '2000': { binding: 'bridge domain a', holders: [['p', 'c'] as const] } };
    const e = errorOf(new VlanEdge(view({ edge02: published(held) }), keys, LEDGER).space('edge02', PUBLISHED_RANGE));
    expect(e.code).toBe('invalid-state');
    expect(e.message).toContain(`VLAN index edge02 in ${LEDGER}:`);
    expect(e.message).toContain('run netpipe ledger verify');
  });
});

describe('vlanCommit: the new record of every index the render touched', () => {
  const INDEX = 'edge02';
  const holding = (binding: string, ...holders: (readonly [string, string])[]): VlanIndexRecord['held'][string] => ({ binding, holders });

  /** The render of package `edge02-upf` (cluster edge02) with the given claims, over `rec`. */
  function commit(rec: VlanIndexRecord | null, claims: readonly VlanFact[], over: Partial<VlanCommitInput> = {}): ReturnType<typeof vlanCommit> & { edge: VlanEdge } {
    const snap = view({ [INDEX]: rec });
    const edge = new VlanEdge(snap, keys, LEDGER);
    const range = rec?.definition ? PUBLISHED_RANGE : RANGE;
    const space = unwrap(edge.space(INDEX, range));
    for (const c of claims) unwrap(space.allocate(c.binding));
    const out = vlanCommit({
      snap,
      keys,
      edge,
      claims,
      heldIndexes: [INDEX],
      packages: ['edge02-upf'],
      inScope: (cluster) => cluster === 'edge02',
      definingPackage: 'edge02-upf',
      ...over,
    });
    return { ...out, edge };
  }

  const fact = (binding: string, pkg = 'edge02-upf', cluster = 'edge02'): VlanFact => ({ index: INDEX, binding, pkg, cluster });

  it("drops the render's holdings it no longer has, keeps everyone else's, adds the new ones", () => {
    const rec = published(
      {
        '1000': holding('bridge domain shared', ['edge02-smf', 'edge02'], ['edge02-upf', 'edge02']),
        '1001': holding('bridge domain gone', ['edge02-upf', 'edge02']),
        '1002': holding('bridge domain other', ['core01-upf', 'core01']),
      },
      1002,
    );
    const out = commit(rec, [fact('bridge domain new')]);
    expect(out.puts.get(keys.vlan(INDEX))).toEqual({
      definition: rec.definition,
      package: 'networks',
      cursor: 1003,
      held: {
        '1000': holding('bridge domain shared', ['edge02-smf', 'edge02']),
        '1002': holding('bridge domain other', ['core01-upf', 'core01']),
        '1003': holding('bridge domain new', ['edge02-upf', 'edge02']),
      },
    });
    expect(out.packageIndexes).toEqual(new Map([['edge02-upf', new Set([INDEX])]]));
    expect(out.touched).toEqual(new Set([INDEX]));
  });

  it('a package joining an ID another package holds is added beside it, holders sorted', () => {
    const rec = published({ '1000': holding('bridge domain shared', ['edge02-zz', 'edge02']) }, 1000);
    const out = commit(rec, [fact('bridge domain shared')]);
    expect(out.puts.get(keys.vlan(INDEX))?.held).toEqual({ '1000': holding('bridge domain shared', ['edge02-upf', 'edge02'], ['edge02-zz', 'edge02']) });
  });

  it('a holding of a cluster the render does not speak for stays, even of its own package', () => {
    const rec = published({ '1000': holding('bridge domain elsewhere', ['edge02-upf', 'core01']) }, 1000);
    const out = commit(rec, []);
    expect(out.puts.get(keys.vlan(INDEX))?.held).toEqual(rec.held);
  });

  it('a definition the render publishes names its package; a record without holdings still gets it', () => {
    // The step's space() publishes the render's range when the ledger has none.
    const out = commit(null, []);
    expect(out.edge.definitions.get(INDEX)).toEqual({ min: 1000, max: 1099, exclude: [] });
    expect(out.puts.get(keys.vlan(INDEX))).toEqual({ definition: { min: 1000, max: 1099, exclude: [] }, package: 'edge02-upf', cursor: null, held: {} });
  });

  it('writes nothing for an index the ledger does not have and the render neither holds nor defines', () => {
    const snap = view({ [INDEX]: null });
    const out = vlanCommit({ snap, keys, edge: new VlanEdge(snap, keys, LEDGER), claims: [], heldIndexes: [INDEX], packages: ['edge02-upf'], inScope: () => true, definingPackage: 'edge02-upf' });
    expect(out.puts.size).toBe(0);
  });

  it('writes nothing for an index whose key the snapshot never loaded', () => {
    const snap = view({});
    const out = vlanCommit({ snap, keys, edge: new VlanEdge(snap, keys, LEDGER), claims: [fact('bridge domain a')], heldIndexes: [], packages: ['edge02-upf'], inScope: () => true, definingPackage: 'edge02-upf' });
    expect(out.puts.size).toBe(0);
    expect(out.touched).toEqual(new Set([INDEX]));
  });

  it("an index emptied by the render is written empty, keeping the ledger's cursor", () => {
    const rec = published({ '1004': holding('bridge domain gone', ['edge02-upf', 'edge02']) }, 1004);
    const out = commit(rec, []);
    expect(out.puts.get(keys.vlan(INDEX))).toEqual({ ...rec, held: {} });
    expect(out.packageIndexes.size).toBe(0);
  });
});

describe('vlanFacts: the VLANClaims of a render and the indexes it defines', () => {
  const at = (path: string, o: KubeObject): KubeObject => ({
    ...o,
    metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), 'internal.config.kubernetes.io/path': path } },
  });
  const vlanClaim = (path: string, name: string, index: string | undefined, bridgeDomain?: string): KubeObject =>
    at(path, {
      apiVersion: 'vlan.resource.nephio.org/v1alpha1',
      kind: 'VLANClaim',
      metadata: { name, namespace: 'upf', annotations: bridgeDomain ? { 'specializer.nephio.org/vlanClaimName': bridgeDomain } : {} },
      spec: { vlanIndex: index === undefined ? {} : { name: index } },
    });
  const cluster = (path: string, name: string): KubeObject =>
    at(path, { apiVersion: 'infra.nephio.org/v1alpha1', kind: 'WorkloadCluster', metadata: { name }, spec: { clusterName: name, cnis: ['macvlan'], masterInterface: 'ens4' } });
  const vlanIndex = (path: string, name: string): KubeObject =>
    at(path, { apiVersion: 'vlan.resource.nephio.org/v1alpha1', kind: 'VLANIndex', metadata: { name }, spec: { minID: 1000, maxID: 1099 } });
  const ipClaim = (path: string, clusterName: string): KubeObject =>
    at(path, {
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'IPClaim',
      metadata: { name: 'smf-n4-ipv4', namespace: 'smf' },
      spec: { kind: 'network', networkInstance: { name: 'vpc-n4' }, selector: { matchLabels: { 'nephio.org/address-family': 'ipv4', 'nephio.org/cluster-name': clusterName } } },
    });
  const packageOf = (o: KubeObject): string => `pkg:${String(o.metadata.annotations?.['internal.config.kubernetes.io/path'] ?? '').replace(/\/[^/]*$/, '')}`;

  it("a claim belongs to the cluster of its package or the nearest package above it, else to its IPClaims' cluster", () => {
    const items = [
      cluster('edge02/workload-cluster.yaml', 'edge02'),
      vlanClaim('edge02/upf/vlanclaim-upf-edge02-n3.yaml', 'upf-edge02-n3', 'edge02', 'vpc-ran-edge02-bd'),
      vlanClaim('edge02/upf/deep/vlanclaim-x.yaml', 'x', 'edge02'),
      ipClaim('core01/smf/ipclaim-smf-n4-ipv4.yaml', 'core01'),
      vlanClaim('core01/smf/vlanclaim-smf-n4.yaml', 'smf-n4', 'core01'),
      vlanClaim('loose/vlanclaim-y.yaml', 'y', 'shared'),
    ];
    expect(vlanFacts(items, undefined, packageOf).claims).toEqual([
      { index: 'edge02', binding: 'bridge domain vpc-ran-edge02-bd', pkg: 'pkg:edge02/upf', cluster: 'edge02' },
      { index: 'edge02', binding: 'VLANClaim upf/x', pkg: 'pkg:edge02/upf/deep', cluster: 'edge02' },
      { index: 'core01', binding: 'VLANClaim upf/smf-n4', pkg: 'pkg:core01/smf', cluster: 'core01' },
      { index: 'shared', binding: 'VLANClaim upf/y', pkg: 'pkg:loose', cluster: '' },
    ]);
  });

  it('a claim naming no index is none of the ledger\'s business', () => {
    expect(vlanFacts([vlanClaim('a/vlanclaim-a.yaml', 'a', undefined)], undefined, packageOf).claims).toEqual([]);
  });

  it('indexes defined by VLANIndex items and by the functionConfig, once each, sorted', () => {
    const fc: KubeObject = { apiVersion: 'v1', kind: 'List', metadata: { name: 'fc' }, items: [vlanIndex('', 'edge02'), vlanIndex('', 'core01')] };
    expect(vlanFacts([vlanIndex('edge02/pools.yaml', 'edge02'), vlanIndex('z/pools.yaml', 'zz')], fc, packageOf).defined).toEqual(['core01', 'edge02', 'zz']);
  });

  it('a package record lists its indexes, or none', () => {
    expect(packageVlans({ holdings: [], vlans: ['edge02'] })).toEqual(['edge02']);
    expect(packageVlans({ holdings: [] })).toEqual([]);
    expect(packageVlans(undefined)).toEqual([]);
  });
});

describe('withoutHolders: the one rule a VLAN ID is released by (renders and netpipe ledger release)', () => {
  const held = {
    100: { binding: 'bd1', holders: [['a', 'edge1'], ['b', 'edge1']] as [string, string][] },
    101: { binding: 'bd2', holders: [['a', 'edge1']] as [string, string][] },
  };

  it('drops the holders named, frees an ID whose last holder left, and says what it dropped', () => {
    const r = withoutHolders(held, (_h, [pkg]) => pkg === 'a');
    expect(r.held).toEqual({ 100: { binding: 'bd1', holders: [['b', 'edge1']] } });
    expect(r.dropped).toEqual([
      { id: '100', binding: 'bd1', holder: ['a', 'edge1'] },
      { id: '101', binding: 'bd2', holder: ['a', 'edge1'] },
    ]);
    expect(held[100].holders).toHaveLength(2);
  });

  it('by binding: every holder of the ID goes', () => {
    const r = withoutHolders(held, (h) => h.binding === 'bd1');
    expect(Object.keys(r.held)).toEqual(['101']);
    expect(r.dropped.map((d) => d.holder[0])).toEqual(['a', 'b']);
  });
});
