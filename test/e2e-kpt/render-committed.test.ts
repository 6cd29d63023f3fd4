/**
 * The committed packages/ is what the pipeline makes of it: rendering it again, or rendering it
 * from scratch (no generated file, no Kptfile status), gives the committed bytes, and a second
 * render is a no-op.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, cleanupWorkspaces, PACKAGES, ROOT, treeDifferences, Workspace, withoutStatus } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

describe('kpt fn render of the committed packages', () => {
  it('re-rendering the committed tree gives the committed bytes, file for file', () => {
    const ws = new Workspace();
    ws.renderOk();
    expect(treeDifferences(ws.path('packages'), PACKAGES)).toEqual([]);
    expect(ws.read('Kptfile')).toBe(readFileSync(join(ROOT, 'Kptfile'), 'utf8'));
  });

  it('rendering from scratch (generated files and Kptfile status deleted) gives the committed bytes', () => {
    const ws = new Workspace();
    ws.resetToUnrendered();
    // The reset really removed what the pipeline generates, so the render below recreates it.
    const left = ws.files('packages');
    expect(left.filter((f) => /\/(ipclaim|nad|ipam-cursor)-[^/]*\.yaml$/.test(f))).toEqual([]);
    expect(left.filter((f) => f.endsWith('/Kptfile') && /^status:/m.test(ws.read(f)))).toEqual([]);
    ws.renderOk();
    expect(treeDifferences(ws.path('packages'), PACKAGES)).toEqual([]);
  });

  it('a second render changes nothing (byte-identical tree)', () => {
    const ws = new Workspace();
    ws.resetToUnrendered();
    ws.renderOk();
    const first = ws.hashes();
    ws.renderOk();
    expect(ws.hashes()).toEqual(first);
    ws.renderOk();
    expect(ws.hashes()).toEqual(first);
  });
});

describe('withoutStatus (test helper)', () => {
  it('drops only the status block of a Kptfile', () => {
    const kptfile = 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: x\nstatus:\n  conditions:\n  - type: a\n    status: "True"\n';
    expect(withoutStatus(kptfile)).toBe('apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: x\n');
    const plain = 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: x\ninfo:\n  description: "no status"\n';
    expect(withoutStatus(plain)).toBe(plain);
  });
});
