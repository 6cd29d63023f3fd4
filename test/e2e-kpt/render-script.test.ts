/**
 * `npm run render` (scripts/render.mjs): renders through real kpt, then summarises the bindings
 * and pool usage from the rendered files; refuses clearly when kpt is missing.
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
    const rows = out.split('\n').map((l) => l.trim().split(/\s{2,}/));
    const has = (...cells: string[]): boolean => rows.some((row) => cells.every((c, i) => row[i] === c));
    expect(has('packages/core01/amf', 'core/amf-core01-n2-ipv4', '192.168.250.2/24', 'gw 192.168.250.1')).toBe(true);
    expect(has('packages/ran01/gnb', 'ran/gnb-ran01-n3-ipv4', '192.168.251.3/24', 'gw 192.168.251.1')).toBe(true);
    expect(has('packages/core01/smf', 'core/smf-core01-n4-ipv4', '10.4.0.2/24', 'gw 10.4.0.1')).toBe(true);
    expect(has('packages/core01/upf', 'core/upf-core01-n6-ipv6', '2001:db8:6::2/64', 'gw 2001:db8:6::1')).toBe(true);
    // /24 less network, broadcast and gateway; N6 also less its 8 router addresses; the /64 less
    // the subnet-router anycast and the gateway.
    expect(has('pool 192.168.250.0/24', '0.79%', '2 of 253 usable addresses used')).toBe(true);
    expect(has('pool 10.4.0.0/24', '0.79%', '2 of 253 usable addresses used')).toBe(true);
    expect(has('pool 10.6.0.0/24', '0.41%', '1 of 245 usable addresses used')).toBe(true);
    expect(has('pool 2001:db8:6::/64', '<0.01%', '1 of 18,446,744,073,709,551,614 usable addresses used')).toBe(true);
    expect(out).toContain('12 IPClaims (12 allocated) in 7 network instances, 9 pools');
    expect(out).toContain('3 VLANClaims (3 allocated)');
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
