/**
 * Allocation does not depend on the order kpt reads resources in. The same unrendered tree is
 * rendered twice: once as committed, once with every file of every package renamed so kpt reads
 * the files in reverse order, and with the documents of multi-document files reversed. Both must
 * give the same addresses, cursors, NADs, annotations and Kptfile conditions.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { load } from 'js-yaml';
import { checkPrerequisites, cleanupWorkspaces, PACKAGES, treeDifferences, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const GENERATED = /\/(ipclaim|nad|ipam-cursor)-[^/]*\.yaml$/;

/** Reverses kpt's reading order: files of each package in reverse name order, documents reversed. */
function reverseOrder(ws: Workspace): Map<string, string> {
  const renamed = new Map<string, string>();
  const byDir = new Map<string, string[]>();
  for (const f of ws.files('packages')) {
    if (!f.endsWith('.yaml')) continue;
    byDir.set(dirname(f), [...(byDir.get(dirname(f)) ?? []), f]);
  }
  for (const [dir, files] of byDir) {
    files.sort().forEach((f, i) => {
      const to = `${dir}/${String(files.length - i).padStart(2, '0')}-${f.slice(dir.length + 1)}`;
      const docs = ws.read(f).split(/^---\n/m);
      ws.write(f, docs.length > 1 ? docs.reverse().map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n') : docs[0]);
      ws.rename(f, to);
      renamed.set(f, to);
    });
  }
  return renamed;
}

/** The order kpt hands resources to functions: kind/namespace/name of `kpt fn source` items. */
function readingOrder(ws: Workspace): string[] {
  const list = load(execFileSync('kpt', ['fn', 'source', '.'], { cwd: ws.dir, encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    items: Array<{ kind: string; metadata: { name: string; namespace?: string } }>;
  };
  return list.items.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

/** Every resource under packages/, keyed by package, kind and name, as parsed JSON. */
function resourcesByKey(ws: Workspace): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { file, doc } of ws.resources()) {
    const key = `${dirname(file)} ${doc.apiVersion}/${doc.kind} ${doc.metadata?.namespace ?? ''}/${doc.metadata?.name}`;
    expect(out[key]).toBeUndefined();
    out[key] = JSON.stringify(doc);
  }
  return out;
}

describe('rendering the same tree in two reading orders', () => {
  it('gives the same allocations and the same output', () => {
    const plain = new Workspace();
    plain.resetToUnrendered();
    const shuffled = new Workspace();
    shuffled.resetToUnrendered();
    const renamed = reverseOrder(shuffled);
    expect(renamed.size).toBeGreaterThan(5);
    const order = readingOrder(plain);
    expect(readingOrder(shuffled)).not.toEqual(order);
    expect([...readingOrder(shuffled)].sort()).toEqual([...order].sort());

    plain.renderOk();
    shuffled.renderOk();

    const claims = plain.claimPrefixes();
    expect(Object.values(claims).every((p) => typeof p === 'string')).toBe(true);
    expect(shuffled.claimPrefixes()).toEqual(claims);
    for (const ni of ['vpc-n2', 'vpc-n3', 'vpc-n4', 'vpc-n6']) expect(shuffled.cursor(ni)).toEqual(plain.cursor(ni));
    expect(resourcesByKey(shuffled)).toEqual(resourcesByKey(plain));

    // Generated files and Kptfiles are named by the pipeline, not by the input files: same bytes.
    const sameNamed = (ws: Workspace): string[] => ws.files('packages').filter((f) => GENERATED.test(f) || f.endsWith('/Kptfile'));
    expect(sameNamed(shuffled)).toEqual(sameNamed(plain));
    for (const f of sameNamed(plain)) expect({ file: f, text: shuffled.read(f) }).toEqual({ file: f, text: plain.read(f) });

    // The workloads' files only moved: their rendered text is the same.
    for (const [from, to] of renamed) {
      if (/deployment/.test(from)) expect({ file: from, text: shuffled.read(to) }).toEqual({ file: from, text: plain.read(from) });
    }

    // And the plain order is the committed output.
    expect(treeDifferences(plain.path('packages'), PACKAGES)).toEqual([]);
  });
});
