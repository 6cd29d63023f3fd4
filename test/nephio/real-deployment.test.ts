/**
 * Nephio's pipeline test `real_deployment`: the free5gc UPF package `upf_pkg` rendered by this
 * pipeline through real `kpt fn render`, and its NFDeployment, Interfaces and Kptfile compared with
 * what Nephio's own chain makes of the same package (`real_deployment/_expected.yaml`: nfdeploy-fn,
 * interface-fn, nad-fn, dnn-fn, ipam-fn and vlan-fn with mock backends).
 *
 * What cannot be the same, and why:
 * - Addresses, gateways and VLAN IDs: Nephio's mock backends answer 10.0.0.10/24 via 10.0.0.1 and
 *   VLAN 10 for every claim; here they are carved from the package's Networks and its VLANIndex.
 *   They are checked against the claims that hold them and the Networks' prefixes instead, and the
 *   rest of spec.interfaces must equal Nephio's field for field.
 * - spec.networkInstances[].dataNetworks: Nephio's dnn-fn (not part of this pipeline) writes the
 *   DataNetwork's status.pools, which nfdeploy-fn copies. Without it there is none; with the status
 *   Nephio's dnn-fn wrote (taken from _expected.yaml), spec.networkInstances equals Nephio's exactly.
 * - The package gets a VLANIndex `cluster01` (`spec: {}`, as Nephio's catalog `infra/capi/vlanindex`
 *   makes it): Nephio's VLAN backend holds the index outside the package; here a render needs the
 *   index in the package or in the shared ledger.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { treeDifferences } from '../e2e-kpt/support';
import { checkPrerequisites } from '../e2e-kpt/support';
import { cleanup, Doc, expectedItems, find, FOUR_STEPS, NEPHIO, renderOk, resources, scratchCopy, setPipeline } from './support';

const UPF_PKG = join(NEPHIO, 'pipeline-tests', 'testdata', 'upf_pkg');
const EXPECTED = join(NEPHIO, 'pipeline-tests', 'testdata', 'real_deployment', '_expected.yaml');
const NF = 'upf-cluster01';
const NF_REF = `workload.nephio.org/v1alpha1.NFDeployment.${NF}`;

const VLAN_INDEX = `apiVersion: vlan.resource.nephio.org/v1alpha1
kind: VLANIndex
metadata:
  name: cluster01
  annotations:
    config.kubernetes.io/local-config: "true"
spec: {}
`;

beforeAll(checkPrerequisites);
afterAll(cleanup);

function nephioPackage(fns: readonly string[]): string {
  const dir = scratchCopy(UPF_PKG);
  writeFileSync(join(dir, 'vlanindex.yaml'), VLAN_INDEX);
  setPipeline(dir, fns);
  return dir;
}

const expected = expectedItems(EXPECTED);
const nephioNf = find(expected, 'NFDeployment', NF);
const nephioKptfile = find(expected, 'Kptfile');

const ipv4 = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
function inPrefix(address: string, prefix: string): boolean {
  const [net, len] = prefix.split('/');
  const size = 2 ** (32 - Number(len));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(net) / size);
}

describe("Nephio's real_deployment through kpt fn render", () => {
  const dir = nephioPackage(FOUR_STEPS);
  const output = renderOk(dir);
  const docs = resources(dir);
  const nf = find(docs, 'NFDeployment', NF);

  it('fills spec.interfaces with the fields Nephio writes, from the claims that hold them', () => {
    const ours: Doc[] = nf.spec.interfaces;
    const theirs: Doc[] = nephioNf.spec.interfaces;
    expect(ours.map((i) => i.name)).toEqual(theirs.map((i) => i.name));
    for (const [i, entry] of ours.entries()) {
      // The same keys at every level: name, ipv4 {address, gateway}, vlanID - no ipv6 for these IPv4-only Interfaces.
      expect(Object.keys(entry).sort()).toEqual(Object.keys(theirs[i]).sort());
      expect(Object.keys(entry.ipv4).sort()).toEqual(Object.keys(theirs[i].ipv4).sort());
      const itf = find(docs, 'Interface', entry.name);
      const claim = find(docs, 'IPClaim', `${NF}-${entry.name}-ipv4`);
      const vlan = find(docs, 'VLANClaim', `${NF}-${entry.name}`);
      expect(entry.ipv4).toEqual({ address: claim.status.prefix, gateway: claim.status.gateway });
      expect(entry.vlanID).toBe(vlan.status.vlanID);
      const network = find(docs, 'Network', itf.spec.networkInstance.name);
      const prefixes: string[] = network.spec.routingTables.flatMap((t: Doc) => t.prefixes.map((p: Doc) => p.prefix)).filter((p: string) => !p.includes(':'));
      expect(prefixes.some((p) => inPrefix(entry.ipv4.address.split('/')[0], p))).toBe(true);
      expect(inPrefix(entry.ipv4.gateway, entry.ipv4.address)).toBe(true);
    }
    // Distinct VLANs per bridge domain here; Nephio's mock hands VLAN 10 to all three.
    expect(new Set(ours.map((i) => i.vlanID)).size).toBe(3);
  });

  it('equals Nephio\'s spec except the allocated values and the data networks dnn-fn would add', () => {
    const withNephioValues = {
      ...nf.spec,
      interfaces: nf.spec.interfaces.map((e: Doc, i: number) => ({ ...e, ipv4: nephioNf.spec.interfaces[i].ipv4, vlanID: nephioNf.spec.interfaces[i].vlanID })),
    };
    const withoutDataNetworks = {
      ...nephioNf.spec,
      networkInstances: nephioNf.spec.networkInstances.map(({ dataNetworks: _dropped, ...rest }: Doc) => rest),
    };
    expect(withNephioValues).toEqual(withoutDataNetworks);
    expect(output).toContain("DataNetwork internet has no status.pools yet (Nephio's dnn-fn writes them)");
  });

  it('writes the Interface conditions exactly as Nephio does (type, status, reason, message)', () => {
    const kptfile = find(docs, 'Kptfile');
    const interfaceConditions = (k: Doc): Doc[] =>
      (k.status?.conditions ?? []).filter((c: Doc) => c.type.startsWith('req.nephio.org/v1alpha1.Interface.')).sort((a: Doc, b: Doc) => (a.type < b.type ? -1 : 1));
    expect(interfaceConditions(kptfile)).toEqual(interfaceConditions(nephioKptfile));
  });

  it("leaves what Nephio's nfdeploy-fn needs to fill the NFDeployment itself", () => {
    // condkptsdk (populateInventory, getReadyMap) takes an Interface as the NFDeployment's child by
    // its owner annotation, and the child's condition by its reason; the NF is ready when every
    // child's condition is True. nfdeploy-fn's InterfaceUpdate then reads status.ipClaimStatus and
    // status.vlanClaimStatus, and skips an Interface that lacks either.
    const kptfile = find(docs, 'Kptfile');
    for (const itf of docs.filter((d) => d.kind === 'Interface')) {
      expect(itf.metadata.annotations['specializer.nephio.org/owner']).toBe(NF_REF);
      const condition = kptfile.status.conditions.find((c: Doc) => c.type === `req.nephio.org/v1alpha1.Interface.${itf.metadata.name}`);
      expect(condition).toMatchObject({ status: 'True', reason: NF_REF });
      const theirs = find(expected, 'Interface', itf.metadata.name).status;
      expect(Object.keys(itf.status).sort()).toEqual(Object.keys(theirs).sort());
      expect(itf.status.ipClaimStatus.map((s: Doc) => Object.keys(s).sort())).toEqual(theirs.ipClaimStatus.map((s: Doc) => Object.keys(s).sort()));
      const entry = nf.spec.interfaces.find((e: Doc) => e.name === itf.metadata.name);
      expect(itf.status.vlanClaimStatus.vlanID).toBe(entry.vlanID);
      expect(itf.status.ipClaimStatus[0]).toEqual({ prefix: entry.ipv4.address, gateway: entry.ipv4.gateway });
    }
  });

  it('keeps every field nfdeploy-fn does not own, and a second render changes no byte', () => {
    expect(nf.spec.provider).toBe('upf.free5gc.io');
    expect(nf.metadata).toMatchObject({ name: NF, namespace: 'dummy' });
    const before = readFileSync(join(dir, 'upfdeployment.yaml'), 'utf8');
    const copy = scratchCopy(dir);
    renderOk(copy);
    expect(treeDifferences(dir, copy).map((d) => d.file)).toEqual([]);
    expect(readFileSync(join(copy, 'upfdeployment.yaml'), 'utf8')).toBe(before);
  });

  it('with the DataNetwork status Nephio\'s dnn-fn writes, spec.networkInstances equals Nephio\'s', () => {
    const copy = scratchCopy(dir);
    const dnn = find(expected, 'DataNetwork', 'internet');
    const file = join(copy, 'dnn.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8').trimEnd()}\n${dump({ status: dnn.status })}`);
    const out = renderOk(copy);
    const after = find(resources(copy), 'NFDeployment', NF);
    expect(after.spec.networkInstances).toEqual(nephioNf.spec.networkInstances);
    expect(after.spec.capacity).toEqual(nephioNf.spec.capacity);
    expect(out).toContain('data network internet 172.0.0.0/8');
  });

  it('netpipe-fn (one step) writes the same bytes as the four functions', () => {
    const one = nephioPackage(['netpipe-fn']);
    renderOk(one);
    const differing = treeDifferences(dir, one).filter((d) => d.file !== 'Kptfile');
    expect(differing.map((d) => d.file)).toEqual([]);
    const strip = (t: string): string => t.replace(/^pipeline:\n(?:[ #-].*\n)*/m, '');
    expect(strip(readFileSync(join(one, 'Kptfile'), 'utf8'))).toBe(strip(readFileSync(join(dir, 'Kptfile'), 'utf8')));
  });
});
