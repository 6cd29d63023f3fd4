/**
 * Pools widen and shrink in place, through real `kpt fn render` of the example packages, for the
 * four-step pipeline and for netpipe-fn alike: with every recorded address still valid, each claim,
 * NAD and Multus annotation keeps its address with the new prefix length and the render says so
 * once for the pool; shrinking below a held address is an error naming the holder, files untouched.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkPrerequisites, cleanupWorkspaces, networkEntries, ROOT, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const NETWORKS = 'packages/networks/network-instances.yaml';
const NETPIPE = 'functions/netpipe-fn/dist/netpipe-fn.js';

/** The root Kptfile with netpipe-fn as its one step, the four steps' config kept. */
function oneStep(ws: Workspace): void {
  mkdirSync(dirname(ws.path(NETPIPE)), { recursive: true });
  cpSync(join(ROOT, NETPIPE), ws.path(NETPIPE));
  const kptfile = ws.read('Kptfile');
  const at = kptfile.indexOf('pipeline:');
  ws.write('Kptfile', `${kptfile.slice(0, at)}pipeline:\n  mutators:\n  - exec: ${NETPIPE}\n    configMap:\n      defaultRouteNetworks: vpc-n6\n`);
}

/** Every claim of vpc-n4 (its addresses start 10.4.): `package name` -> prefix. */
function n4Claims(ws: Workspace): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ws.claimPrefixes())) if (v?.startsWith('10.4.')) out[k] = v;
  return out;
}

/** The static addresses of every vpc-n4 NAD and Multus entry in the tree. */
function n4Attachments(ws: Workspace): string[] {
  const out: string[] = [];
  for (const { file, doc } of ws.resources()) {
    if (doc.kind === 'NetworkAttachmentDefinition') {
      const config = JSON.parse(doc.spec.config) as { ipam?: { addresses?: Array<{ address: string }> }; plugins?: unknown };
      for (const a of config.ipam?.addresses ?? []) if (a.address.startsWith('10.4.')) out.push(`${file} ${a.address}`);
    }
    if (['Deployment', 'StatefulSet'].includes(doc.kind)) {
      for (const e of networkEntries(ws.read(file))) for (const ip of (e.ips as string[] | undefined) ?? []) if (ip.startsWith('10.4.')) out.push(`${file} ${ip}`);
    }
  }
  return out.sort();
}

const withLength = (m: Record<string, string>, length: number): Record<string, string> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, `${v.split('/')[0]}/${length}`]));

describe.each([
  ['the four-step pipeline', (_ws: Workspace) => undefined],
  ['netpipe-fn', oneStep],
])('pool resized in place (%s)', (_name, setup) => {
  it('/24 -> /23 -> /25 keeps every address, rewrites claims, NADs and annotations, says so; /30 below a holder fails', () => {
    const ws = new Workspace();
    setup(ws);
    ws.renderOk();
    const before = n4Claims(ws);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(2);
    expect(Object.values(before).every((p) => p.endsWith('/24'))).toBe(true);
    const attachments = n4Attachments(ws);
    expect(attachments.length).toBeGreaterThanOrEqual(Object.keys(before).length);

    ws.edit(NETWORKS, 'prefix: 10.4.0.0/24', 'prefix: 10.4.0.0/23');
    const widened = ws.renderOk();
    expect(widened).toMatch(/pool 10\.4\.0\.0\/23 of network instance vpc-n4 changed size \(\/24 -> \/23\)/);
    expect(n4Claims(ws)).toEqual(withLength(before, 23));
    expect(n4Attachments(ws)).toEqual(attachments.map((a) => a.replace('/24', '/23')));

    ws.edit(NETWORKS, 'prefix: 10.4.0.0/23', 'prefix: 10.4.0.0/25');
    expect(ws.renderOk()).toMatch(/changed size \(\/23 -> \/25\)/);
    expect(n4Claims(ws)).toEqual(withLength(before, 25));
    expect(n4Attachments(ws)).toEqual(attachments.map((a) => a.replace('/24', '/25')));

    // A second render of the resized tree changes nothing and says nothing about sizes.
    const hashes = ws.hashes();
    expect(ws.renderOk()).not.toMatch(/changed size/);
    expect(ws.hashes()).toEqual(hashes);

    ws.edit(NETWORKS, 'prefix: 10.4.0.0/25', 'prefix: 10.4.0.0/30');
    const failed = ws.render();
    expect(failed.status).not.toBe(0);
    expect(failed.output).toMatch(/was resized below this address; widen it back to keep it/);
    expect(failed.output).toMatch(/IPClaim \S+-n4-ipv4/);
    const after = ws.hashes();
    delete after[NETWORKS];
    const expected = { ...hashes };
    delete expected[NETWORKS];
    expect(after).toEqual(expected);
  });
});
