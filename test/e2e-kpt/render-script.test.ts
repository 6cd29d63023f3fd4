/**
 * `npm run render` (scripts/render.mjs): renders through real kpt, then summarises the bindings
 * and pool usage with `netpipe show`; refuses clearly when kpt is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPrerequisites, cleanupWorkspaces, PACKAGES, ROOT, treeDifferences, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const SCRIPT = join(ROOT, 'scripts', 'render.mjs');

describe('scripts/render.mjs', () => {
  it('renders in place and prints every claim and the exact pool usage', () => {
    const ws = new Workspace();
    const r = spawnSync(process.execPath, [SCRIPT, ws.dir], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(treeDifferences(ws.path('packages'), PACKAGES)).toEqual([]);
    const out = r.stdout;
    expect(out).toContain('Successfully executed 4 function(s)');
    // The summary is `netpipe show` of the rendered tree.
    const rows = out.split('\n').map((l) => l.trim().split(/\s{2,}/));
    const has = (...cells: string[]): boolean => rows.some((row) => cells.every((c, i) => row[i] === c));
    expect(has('core01', 'packages/core01/amf', 'amf-core01', 'n2', 'vpc-n2', 'ipv4', '192.168.250.2', '192.168.250.1')).toBe(true);
    expect(has('ran01', 'packages/ran01/gnb', 'gnb-ran01', 'n3', 'vpc-n3', 'ipv4', '192.168.251.3', '192.168.251.1')).toBe(true);
    expect(has('core01', 'packages/core01/smf', 'smf-core01', 'n4', 'vpc-n4', 'ipv4', '10.4.0.2', '10.4.0.1')).toBe(true);
    expect(has('core01', 'packages/core01/upf', 'upf-core01', 'n6', 'vpc-n6', 'ipv6', '2001:db8:6::2', '2001:db8:6::1')).toBe(true);
    // /24 less network, broadcast and gateway; N6 also less its 8 router addresses; the /64 less
    // the subnet-router anycast and the gateway.
    expect(has('vpc-n2', '192.168.250.0/24', 'ipv4', 'all clusters', '253', '2', '251', '0.79%')).toBe(true);
    expect(has('vpc-n4', '10.4.0.0/24', 'ipv4', 'core01', '253', '2', '251', '0.79%')).toBe(true);
    expect(has('vpc-n6', '10.6.0.0/24', 'ipv4', 'core01', '245', '1', '244', '0.41%')).toBe(true);
    expect(has('vpc-n6', '2001:db8:6::/64', 'ipv6', 'core01', '2^64 - 2', '1', '2^64 - 3', '<0.01%')).toBe(true);
    expect(out).toContain('12 addresses held, 0 pending, in 9 pools of 7 network instances; 3 VLAN IDs held in 1 VLAN index');
  });

  it('fails with a clear message when kpt is not installed', () => {
    const emptyPath = mkdtempSync(join(tmpdir(), 'netpipe-no-kpt-'));
    try {
      const ws = new Workspace();
      const before = ws.hashes();
      const r = spawnSync(process.execPath, [SCRIPT, ws.dir], { encoding: 'utf8', env: { ...process.env, PATH: emptyPath } });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('kpt is not on PATH');
      expect(r.stderr).toContain('Install kpt');
      expect(ws.hashes()).toEqual(before);
    } finally {
      rmSync(emptyPath, { recursive: true, force: true });
    }
  });
});
