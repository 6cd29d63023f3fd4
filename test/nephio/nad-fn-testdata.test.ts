/**
 * Nephio's nad-fn test cases where something upstream is not done - an IPClaim without an address
 * (`ipclaim_notReady`, `empty_ipamaddress`), a VLANClaim without an ID (`vlanclaim_notReady`,
 * `missing_vlan`), VLAN Interfaces with no VLANClaim at all (`only_ipclaim_*`) - given to this
 * nad-fn through real `kpt fn eval --exec`.
 *
 * Nephio's nad-fn makes a NAD for every Interface whose conditions say so; in these cases some of
 * them come out broken (`"addresses":[{}]` for a claim without address, an untagged `master: eth1`
 * for a VLAN Interface without VLAN). Here no NAD is made for an Interface that is not ready, and a
 * result names the Interface and what it waits for. It is an error, not a warning: this pipeline
 * runs ipam-fn before nad-fn in the same render, so a claim still without address at nad-fn means
 * the steps ran out of order or one was skipped, and kpt then writes nothing at all.
 *
 * Each case runs twice: as Nephio wrote it (its claims are named `<if>-ipv4` / `<if>`, not
 * `<for>-<if>-ipv4` / `<for>-<if>` as interface-fn names them, so none of them is read, and the
 * result says so), and with the claims named as interface-fn names them, where exactly the
 * Interfaces that are not ready are named.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { dump, load, loadAll } from 'js-yaml';
import { checkPrerequisites, treeDifferences } from '../e2e-kpt/support';
import { bundle, cleanup, Doc, kpt, NEPHIO, resources, scratchCopy } from './support';

const TESTDATA = join(NEPHIO, 'nad-fn', 'fn', 'testdata');
const CASES = [
  'golden/ipclaim_notReady',
  'golden/vlanclaim_notReady',
  'missing_vlan',
  'empty_ipamaddress',
  'golden/only_ipclaim_ipvlanType',
  'golden/only_ipclaim_macvlanType',
  'golden/only_ipclaim_sriovType',
];
const NF = 'upf-cluster01';

beforeAll(checkPrerequisites);
afterAll(cleanup);

const ownerOf = (d: Doc): string | undefined => d.metadata?.annotations?.['specializer.nephio.org/owner'];
const childOf = (d: Doc, itf: string): boolean => ownerOf(d) === `req.nephio.org/v1alpha1.Interface.${itf}`;

/** What an Interface still lacks in the vendored data itself, read by owner annotation as Nephio reads it. */
function pending(docs: readonly Doc[], itf: Doc): string[] {
  const name = itf.metadata.name;
  const missing: string[] = [];
  const claims = docs.filter((d) => d.kind === 'IPClaim' && childOf(d, name));
  if (claims.length === 0 || claims.some((c) => !c.status?.prefix)) missing.push('IPClaim');
  if (itf.spec.attachmentType === 'vlan') {
    const vlans = docs.filter((d) => d.kind === 'VLANClaim' && childOf(d, name));
    // `missing_vlan`: a VLANClaim without spec.vlanIndex does not say which index its ID is from.
    if (vlans.length === 0 || vlans.some((v) => v.status?.vlanID === undefined || !v.spec?.vlanIndex?.name)) missing.push('VLANClaim');
  }
  return missing;
}

interface Evaluated {
  status: number | null;
  results: Doc[];
  unchanged: boolean;
  docs: Doc[];
}

function evalNadFn(dir: string): Evaluated {
  const before = scratchCopy(dir);
  const resultsDir = mkdtempSync(join(tmpdir(), 'netpipe-nephio-results-'));
  const r = kpt(['fn', 'eval', '--exec', bundle('nad-fn'), '--results-dir', resultsDir, '--truncate-output=false', dir], dir);
  const file = readdirSync(resultsDir).find((f) => f.endsWith('.yaml'));
  const list = file ? (load(readFileSync(join(resultsDir, file), 'utf8')) as Doc) : {};
  const results: Doc[] = (list.items ?? []).flatMap((i: Doc) => i.results ?? []);
  return { status: r.status, results, unchanged: treeDifferences(before, dir).length === 0, docs: resources(dir) };
}

/** The vendored case with its claims renamed and marked as interface-fn would have made them. */
function asInterfaceFnNamesThem(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.yaml')) continue;
    const path = join(dir, name);
    const docs = loadAll(readFileSync(path, 'utf8')) as Doc[];
    if (docs.length !== 1 || !['IPClaim', 'VLANClaim'].includes(docs[0]?.kind)) continue;
    const d = docs[0];
    const itf = (ownerOf(d) ?? '').split('.').pop();
    d.metadata.name = d.kind === 'IPClaim' ? `${NF}-${itf}-ipv4` : `${NF}-${itf}`;
    d.metadata.annotations['netpipe.dev/interface'] = `/${itf}`;
    writeFileSync(path, dump(d));
  }
}

describe.each(CASES)("Nephio's nad-fn case %s", (name) => {
  const vendored = join(TESTDATA, name);
  const input = resources(scratchCopy(vendored, ['_expected.yaml']));
  const interfaces = input.filter((d) => d.kind === 'Interface');
  const notReady = interfaces.filter((i) => pending(input, i).length > 0).map((i) => i.metadata.name as string);

  it('has Interfaces that are not ready (the case is what it says)', () => {
    expect(notReady.length).toBeGreaterThan(0);
  });

  it('as Nephio wrote it: no NAD, nothing written, and every not-ready Interface named with what it waits for', () => {
    const dir = scratchCopy(vendored, ['_expected.yaml']);
    const out = evalNadFn(dir);
    expect(out.status).not.toBe(0);
    expect(out.unchanged).toBe(true);
    expect(out.docs.filter((d) => d.kind === 'NetworkAttachmentDefinition')).toEqual([]);
    for (const itf of notReady) {
      const about = out.results.filter((r) => r.resourceRef?.kind === 'Interface' && r.resourceRef?.name === itf);
      expect(about.length).toBeGreaterThan(0);
      expect(about.map((r) => r.message).join('\n')).toMatch(new RegExp(`Interface ${itf} has .*(IPClaim|VLANClaim) ${NF}-${itf}`));
    }
    // Nephio's own claims are said, not silently ignored: they name the Interface as owner.
    const lookalike = input.find((d) => d.kind === 'IPClaim' && childOf(d, notReady[0]));
    if (lookalike) expect(out.results.map((r) => r.message).join('\n')).toContain(`IPClaim ${lookalike.metadata.name} names it as owner but was not made by interface-fn`);
  });

  it('with the claims named as interface-fn names them: exactly the not-ready Interfaces are named, nothing written', () => {
    const dir = scratchCopy(vendored, ['_expected.yaml']);
    asInterfaceFnNamesThem(dir);
    const out = evalNadFn(dir);
    expect(out.status).not.toBe(0);
    expect(out.unchanged).toBe(true);
    expect(out.docs.filter((d) => d.kind === 'NetworkAttachmentDefinition')).toEqual([]);
    const named = new Set(out.results.filter((r) => r.severity === 'error' && r.resourceRef?.kind === 'Interface').map((r) => r.resourceRef.name));
    expect([...named].sort()).toEqual([...notReady].sort());
    for (const itf of notReady) {
      const messages = out.results.filter((r) => r.resourceRef?.name === itf).map((r) => r.message).join('\n');
      for (const what of pending(input, interfaces.find((i) => i.metadata.name === itf)!)) {
        const claim = what === 'IPClaim' ? `${NF}-${itf}-ipv4` : `${NF}-${itf}`;
        // "has no status.prefix yet: run ipam-fn", "has no status.vlanID yet", not valid, or missing.
        expect(messages).toMatch(
          new RegExp(`(${what} ${claim} of Interface ${itf} has no status\\.(prefix|vlanID) yet: run ipam-fn|its ${what} ${claim} is not valid|no ${what} ${claim})`),
        );
      }
    }
  });
});
