/**
 * The one functionConfig reader: every documented form (a ConfigMap, a pool resource, a List of
 * them) gives the same settings and pools, and the ledger settings are read from each form alike.
 */
import { readFunctionConfig } from '../src/function-config';
import { KubeObject } from '../src/kube/object';
import { functionLedgerConfig } from '../src/ledger';

const configMap = (data: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data });
const ni: KubeObject = {
  apiVersion: 'ipam.resource.nephio.org/v1alpha1',
  kind: 'NetworkInstance',
  metadata: { name: 'vpc-n6' },
  spec: { prefixes: [{ prefix: '10.60.0.0/24' }] },
};
const prefix: KubeObject = {
  apiVersion: 'ipam.resource.nephio.org/v1alpha1',
  kind: 'IPPrefix',
  metadata: { name: 'n3' },
  spec: { kind: 'network', networkInstance: { name: 'vpc-n3' }, prefix: '10.3.0.0/24' },
};
const index: KubeObject = { apiVersion: 'vlan.resource.nephio.org/v1alpha1', kind: 'VLANIndex', metadata: { name: 'edge1' }, spec: {} };
const list = (...items: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'List', metadata: { name: 'netpipe-config' }, items });

const LEDGER = { ledgerEndpoints: 'http://127.0.0.1:2379', ledgerPrefix: '/site-a' };

describe('readFunctionConfig', () => {
  it('a ConfigMap alone: its data, no pools', () => {
    const parts = readFunctionConfig(configMap({ cniVersion: '1.0.0', ledgerTimeoutMs: 5000 }));
    expect({ ...parts.data }).toEqual({ cniVersion: '1.0.0', ledgerTimeoutMs: '5000' });
    expect(parts.pools).toEqual([]);
    expect(parts.unknown).toEqual([]);
    expect(parts.isList).toBe(false);
  });

  it('each pool kind alone lands in its own list', () => {
    expect(readFunctionConfig(ni).networkInstances).toEqual([ni]);
    expect(readFunctionConfig(prefix).ipPrefixes).toEqual([prefix]);
    expect(readFunctionConfig(index).vlanIndexes).toEqual([index]);
    expect({ ...readFunctionConfig(ni).data }).toEqual({});
  });

  it('a List: ConfigMap data, pools in order, VLAN indexes, and what it does not know', () => {
    const parts = readFunctionConfig(list(prefix, configMap({ cniVersion: '1.0.0' }), ni, index, { kind: 'Secret', metadata: { name: 's' } }, 'text'));
    expect(parts.isList).toBe(true);
    expect(parts.data.cniVersion).toBe('1.0.0');
    expect(parts.pools).toEqual([prefix, ni]);
    expect(parts.vlanIndexes).toEqual([index]);
    expect(parts.unknown).toEqual([{ kind: 'Secret', metadata: { name: 's' } }, 'text']);
  });

  it('a key in two ConfigMaps of a List: the later wins, and results point at the one it came from', () => {
    const first = configMap({ a: '1', b: '2' });
    const second = { ...configMap({ b: '3' }), metadata: { name: 'second' } };
    const parts = readFunctionConfig(list(first, second));
    expect({ ...parts.data }).toEqual({ a: '1', b: '3' });
    expect(parts.dataSource('a')).toBe(first);
    expect(parts.dataSource('b')).toBe(second);
  });

  it('user keys such as __proto__ stay plain keys', () => {
    const parts = readFunctionConfig(configMap(JSON.parse('{"__proto__": "x", "constructor": "y"}') as Record<string, unknown>));
    expect(Object.keys(parts.data).sort()).toEqual(['__proto__', 'constructor']);
  });
});

describe('functionLedgerConfig reads the ledger from every documented form', () => {
  const forms: Array<[string, KubeObject]> = [
    ['a ConfigMap', configMap(LEDGER)],
    ['a List of a ConfigMap and a NetworkInstance (netpipe-fn README)', list(configMap({ cniVersion: '1.0.0', ...LEDGER }), ni)],
    ['a List with the ConfigMap after the pools', list(ni, prefix, index, configMap(LEDGER))],
  ];
  it.each(forms)('%s: the ledger is on, with its endpoints and prefix', (_what, fc) => {
    const r = functionLedgerConfig(fc, {});
    expect(r).toMatchObject({ ok: true, value: { prefix: '/site-a', etcd: { endpoints: ['http://127.0.0.1:2379'] } } });
  });

  it('pools alone, or no functionConfig: no ledger', () => {
    expect(functionLedgerConfig(ni, {})).toEqual({ ok: true, value: undefined });
    expect(functionLedgerConfig(list(ni, index), {})).toEqual({ ok: true, value: undefined });
    expect(functionLedgerConfig(undefined, {})).toEqual({ ok: true, value: undefined });
  });

  it('endpoints in the environment never turn a render into a ledger render', () => {
    expect(functionLedgerConfig(configMap({ cniVersion: '1.0.0' }), { NETPIPE_LEDGER_ENDPOINTS: 'http://127.0.0.1:2379' })).toEqual({ ok: true, value: undefined });
  });

  const blank: Array<[string, Record<string, unknown>, RegExp]> = [
    ['ledgerEndpoints: ""', { ledgerEndpoints: '' }, /^ledgerEndpoints is set but empty/],
    ['ledgerEndpoints: " "', { ledgerEndpoints: ' ' }, /^ledgerEndpoints is set but empty/],
    ['ledgerEndpoints: (null)', { ledgerEndpoints: null }, /^ledgerEndpoints is set but empty/],
    ['ledgerEndpoints: ",,"', { ledgerEndpoints: ',,' }, /^ledgerEndpoints: ",," has an empty entry/],
    ['ledgerEndpoints: "http://a:1,,http://b:2"', { ledgerEndpoints: 'http://a:1,,http://b:2' }, /has an empty entry/],
    ['ledgerPrefix: ""', { ...LEDGER, ledgerPrefix: '' }, /^ledgerPrefix is set but empty/],
    ['ledgerPrefix: "/"', { ...LEDGER, ledgerPrefix: '/' }, /^ledgerPrefix: \/ names the root/],
    ['ledgerTimeoutMs: ""', { ...LEDGER, ledgerTimeoutMs: '' }, /^ledgerTimeoutMs is set but empty/],
    ['ledgerPrefix: "" without endpoints', { ledgerPrefix: '' }, /^ledgerPrefix is set but empty/],
  ];
  it.each(blank)('%s is an error naming the key, never a silent fallback', (_what, data, message) => {
    for (const fc of [configMap(data), list(configMap(data), ni)]) {
      const r = functionLedgerConfig(fc, {});
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    }
  });
});
