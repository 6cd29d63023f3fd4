/**
 * Removing an Interface releases everything made for it in the same render and moves no other
 * address; the freed address goes to the back of the queue (next-fit), so the next newcomer -
 * even the very same Interface put back - gets a never-used address, the one after the pool's cursor.
 */
import { load } from 'js-yaml';
import { checkPrerequisites, cleanupWorkspaces, ipv4, networkEntries, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const SMF = 'packages/core01/smf';
const UPF = 'packages/core01/upf';
const CLAIM = `${SMF}/ipclaim-smf-core01-n4-ipv4.yaml`;
const NAD = `${SMF}/nad-smf-core01-n4.yaml`;
const CONDITION = 'ipam.resource.nephio.org/v1alpha1.IPClaim.smf-core01-n4-ipv4';
const N4_POOL = '10.4.0.0/24';

const conditionTypes = (ws: Workspace, pkg: string): string[] =>
  ((load(ws.read(`${pkg}/Kptfile`)) as any).status?.conditions ?? []).map((c: { type: string }) => c.type);

describe('removing an Interface', () => {
  it('smf n4: frees its address without moving any other, and a newcomer does not get the freed address', () => {
    const ws = new Workspace();
    ws.renderOk();
    const before = ws.claimPrefixes();
    const freed = before[`${SMF} core/smf-core01-n4-ipv4`];
    expect(freed).toBe('10.4.0.2/24');
    expect(conditionTypes(ws, SMF)).toContain(CONDITION);
    const interfaceFile = ws.read(`${SMF}/interfaces.yaml`);

    ws.remove(`${SMF}/interfaces.yaml`);
    ws.renderOk();

    expect(ws.exists(CLAIM)).toBe(false);
    expect(ws.exists(NAD)).toBe(false);
    expect(networkEntries(ws.read(`${SMF}/deployment.yaml`)).map((e) => e.name)).not.toContain('smf-core01-n4');
    expect(ws.read(`${SMF}/deployment.yaml`)).not.toContain('smf-core01-n4');
    expect(conditionTypes(ws, SMF)).not.toContain(CONDITION);
    const after = ws.claimPrefixes();
    const { [`${SMF} core/smf-core01-n4-ipv4`]: _gone, ...others } = before;
    expect(after).toEqual(others);

    // Releasing does not rewind the cursor: it still points past the highest address handed out.
    const cursor = ws.cursor('vpc-n4')[N4_POOL];
    expect(cursor).toBe('10.4.0.3');

    // The same Interface comes back: it is a newcomer now and gets the address after the cursor.
    ws.write(`${SMF}/interfaces.yaml`, interfaceFile);
    ws.renderOk();
    const again = ws.claimPrefixes();
    const fresh = again[`${SMF} core/smf-core01-n4-ipv4`];
    expect(fresh).not.toBe(freed);
    expect(fresh).toBe(`${ipv4.format(ipv4.parse(cursor) + 1)}/24`);
    expect(ws.cursor('vpc-n4')[N4_POOL]).toBe(fresh!.split('/')[0]);
    expect(again).toEqual({ ...others, [`${SMF} core/smf-core01-n4-ipv4`]: fresh });
    expect(networkEntries(ws.read(`${SMF}/deployment.yaml`))).toEqual([]);

    // A second newcomer on the same network still does not get the freed address.
    ws.write(
      `${UPF}/interface-n4b.yaml`,
      [
        'apiVersion: req.nephio.org/v1alpha1',
        'kind: Interface',
        'metadata:',
        '  name: n4b',
        '  namespace: core',
        '  annotations:',
        '    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.upf-core01',
        '    specializer.nephio.org/for: workload.nephio.org/v1alpha1.NFDeployment.upf-core01',
        'spec:',
        '  networkInstance:',
        '    name: vpc-n4',
        '  cniType: ipvlan',
        '  attachmentType: none',
        '  ipFamilyPolicy: ipv4-only',
        '',
      ].join('\n'),
    );
    ws.renderOk();
    const third = ws.claimPrefixes();
    const newcomer = third[`${UPF} core/upf-core01-n4b-ipv4`];
    expect(newcomer).toBe(`${ipv4.format(ipv4.parse(cursor) + 2)}/24`);
    expect(newcomer).not.toBe(freed);
    expect(ws.cursor('vpc-n4')[N4_POOL]).toBe(newcomer!.split('/')[0]);
    expect(third).toEqual({ ...again, [`${UPF} core/upf-core01-n4b-ipv4`]: newcomer });
  });

  it('removing one of several Interfaces of a workload drops only its annotation entry (upf n4)', () => {
    const ws = new Workspace();
    ws.renderOk();
    const before = ws.claimPrefixes();
    const deploymentBefore = ws.read(`${UPF}/deployment.yaml`);
    const entriesBefore = networkEntries(deploymentBefore);
    const docs = ws.read(`${UPF}/interfaces.yaml`).split(/^---\n/m);
    const kept = docs.filter((d) => !/^  name: n4$/m.test(d));
    expect(kept).toHaveLength(docs.length - 1);
    ws.write(`${UPF}/interfaces.yaml`, kept.join('---\n'));
    ws.renderOk();

    expect(ws.exists(`${UPF}/ipclaim-upf-core01-n4-ipv4.yaml`)).toBe(false);
    expect(ws.exists(`${UPF}/nad-upf-core01-n4.yaml`)).toBe(false);
    expect(networkEntries(ws.read(`${UPF}/deployment.yaml`))).toEqual(entriesBefore.filter((e) => e.name !== 'upf-core01-n4'));
    // The other entries, the hand-made oam one included, keep their exact text.
    const entry = '{"name":"upf-core01-n4","interface":"n4","ips":["10.4.0.3/24"]}, ';
    expect(deploymentBefore).toContain(entry);
    expect(ws.read(`${UPF}/deployment.yaml`)).toBe(
      deploymentBefore.replace(entry, '').replace('upf-core01-n3,upf-core01-n4,upf-core01-n6', 'upf-core01-n3,upf-core01-n6'),
    );
    expect(conditionTypes(ws, UPF)).not.toContain('ipam.resource.nephio.org/v1alpha1.IPClaim.upf-core01-n4-ipv4');
    const { [`${UPF} core/upf-core01-n4-ipv4`]: _gone, ...others } = before;
    expect(ws.claimPrefixes()).toEqual(others);
  });
});
