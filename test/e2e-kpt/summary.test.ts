/**
 * `kpt fn render` tells the user what happened without a script: each function's results end with
 * one `info` summary (claims made and removed, addresses and VLAN IDs bound, NADs written,
 * workloads annotated) - for the four-step pipeline and for netpipe-fn alike.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkPrerequisites, cleanupWorkspaces, ROOT, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const NETPIPE = 'functions/netpipe-fn/dist/netpipe-fn.js';

function oneStep(ws: Workspace): void {
  mkdirSync(dirname(ws.path(NETPIPE)), { recursive: true });
  cpSync(join(ROOT, NETPIPE), ws.path(NETPIPE));
  const kptfile = ws.read('Kptfile');
  const at = kptfile.indexOf('pipeline:');
  ws.write('Kptfile', `${kptfile.slice(0, at)}pipeline:\n  mutators:\n  - exec: ${NETPIPE}\n    configMap:\n      defaultRouteNetworks: vpc-n6\n`);
}

/** The `[info]` lines without a resource that kpt printed for `fn` (other results name a resource). */
const summaries = (output: string, fn: string): string[] => output.split('\n').filter((l) => l.includes(`[info]: ${fn}: `));

/** kpt shortens a function's results to a few lines unless told not to; netpipe-fn has many. */
function render(ws: Workspace): string {
  const r = spawnSync('kpt', ['fn', 'render', '--allow-exec', '--truncate-output=false', '.'], { cwd: ws.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kpt fn render failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

const count = (line: string, pattern: RegExp): number => Number(pattern.exec(line)?.[1] ?? NaN);

describe.each([
  ['the four-step pipeline', (_ws: Workspace) => undefined],
  ['netpipe-fn', oneStep],
])('render summaries (%s)', (_name, setup) => {
  it('from scratch: one summary per function with what it made; re-rendered: everything unchanged or kept', () => {
    const ws = new Workspace();
    setup(ws);
    ws.resetToUnrendered();
    const first = render(ws);
    const claims = Object.keys(ws.claimPrefixes()).length;
    const nads = ws.resources().filter(({ doc }) => doc.kind === 'NetworkAttachmentDefinition').length;
    expect(claims).toBeGreaterThan(0);

    const [itf] = summaries(first, 'interface-fn');
    expect(summaries(first, 'interface-fn')).toHaveLength(1);
    expect(count(itf, /IPClaims: (\d+) new/)).toBe(claims);
    const [ipam] = summaries(first, 'ipam-fn');
    expect(summaries(first, 'ipam-fn')).toHaveLength(1);
    expect(count(ipam, /addresses: (\d+) allocated/)).toBe(claims);
    // resetToUnrendered keeps the VLANClaims (they are not ipclaim-/nad- files): their IDs stay.
    expect(ipam).toMatch(/VLAN IDs: \d+ kept/);
    const [nad] = summaries(first, 'nad-fn');
    // One NAD of the examples is hand-written: nad-fn leaves it alone.
    expect(count(nad, /NADs: (\d+) new/) + (count(nad, /(\d+) unchanged/) || 0)).toBe(nads);
    // resetToUnrendered keeps what the pipeline wrote into the workloads, so their selections stand.
    expect(summaries(first, 'deployment-annotate-fn')[0]).toMatch(/workloads' k8s\.v1\.cni\.cncf\.io\/networks: \d+ unchanged$/);

    const again = render(ws);
    expect(count(summaries(again, 'interface-fn')[0], /IPClaims: (\d+) unchanged/)).toBe(claims);
    expect(summaries(again, 'interface-fn')[0]).not.toMatch(/new|removed/);
    expect(count(summaries(again, 'ipam-fn')[0], /addresses: (\d+) kept/)).toBe(claims);
    expect(summaries(again, 'ipam-fn')[0]).not.toMatch(/allocated|changed/);
    expect(count(summaries(again, 'nad-fn')[0], /NADs: (\d+) unchanged/)).toBe(nads);
    expect(summaries(again, 'deployment-annotate-fn')[0]).toMatch(/: \d+ unchanged$/);
  });
});
