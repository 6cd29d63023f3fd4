/**
 * `netpipe report`: the page of a scratch copy of the example (rendered with the real kpt, its
 * results kept with --results-dir), loaded from a file: URL in a real headless Chromium. The
 * page's script writes a marker into the DOM as its last act, so a script error shows as a
 * missing marker; the screenshot must be a real picture, not a blank page.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { checkPrerequisites, cleanupWorkspaces, Workspace } from '../e2e-kpt/support';
import { netpipe } from './support';

const scratch = mkdtempSync(join(tmpdir(), 'netpipe-report-'));
afterAll(() => {
  cleanupWorkspaces();
  rmSync(scratch, { recursive: true, force: true });
});

let ws: Workspace;
beforeAll(() => {
  checkPrerequisites();
  const v = spawnSync('chromium', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) throw new Error('chromium is not installed: run `npm run setup` (scripts/install-chromium.sh installs Debian chromium)');
  ws = new Workspace();
});

/** Headless Chromium on a file: URL, with a profile of its own so parallel runs do not share one. */
function chromium(args: readonly string[], page: string): string {
  const profile = mkdtempSync(join(scratch, 'profile-'));
  const r = spawnSync('chromium', ['--headless', '--disable-gpu', '--no-sandbox', '--hide-scrollbars', `--user-data-dir=${profile}`, ...args, `file://${page}`], {
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`chromium failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** How many distinct colours a PNG's pixels hold (8-bit RGB or RGBA, filters undone). */
function distinctColours(file: string): number {
  const png = readFileSync(file);
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8) throw new Error('expected an 8-bit PNG');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (channels === 0) throw new Error(`PNG colour type ${data[9]} not read here`);
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const row = Buffer.alloc(stride);
  const colours = new Set<number>();
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels] : 0;
      const b = prev[x];
      const c = x >= channels ? prev[x - channels] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
      row[x] = (line[x] + predictor) & 0xff;
    }
    for (let x = 0; x < stride; x += channels) colours.add((row[x] << 16) | (row[x + 1] << 8) | row[x + 2]);
    row.copy(prev);
  }
  return colours.size;
}

const POOLS = ['172.1.2.0/24', '172.0.2.0/24', '2001:db8:172:2::/64', '192.168.250.0/24', '192.168.251.0/24', '10.4.0.0/24', '10.6.0.0/24', '2001:db8:6::/64', '172.3.2.0/24'];

describe('netpipe report', () => {
  const results = join(scratch, 'results');
  const page = join(scratch, 'report.html');

  it('writes a self-contained page of every pool, holding, VLAN and warning of the last render', () => {
    const render = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.', '--results-dir', results], { cwd: ws.dir, encoding: 'utf8' });
    expect(render.status).toBe(0);
    const r = netpipe(['report', '.', '--out', page, '--results', results], ws.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`wrote ${page}: 9 pools, 12 addresses held, 0 waiting, 3 VLAN IDs, 5 warnings\n`);
    const html = readFileSync(page, 'utf8');
    // Nothing to fetch: no external URL, stylesheet link, image or script source.
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link\b|<img\b|\bsrc=|@import|url\(/);
    // The warnings say where they come from: kpt's results, and the Kptfile conditions.
    expect(html).toContain(`from kpt results (${results}), functions/interface-fn/dist/interface-fn.js`);
    expect(html).toContain('from Kptfile status.conditions (packages/blueprints/upf/Kptfile)');
    // Same packages, same bytes.
    const again = join(scratch, 'again.html');
    netpipe(['report', '.', '--out', again, '--results', results], ws.dir);
    expect(readFileSync(again, 'utf8')).toBe(html);
  });

  it('loads from a file: URL in headless Chromium without script errors, showing every pool', () => {
    const dom = chromium(['--dump-dom'], page);
    // The script's last act; it runs only if nothing before it threw.
    expect(dom).toContain('<p id="report-ready" hidden="">netpipe report script ran: 9 pools, 21 marks</p>');
    for (const prefix of POOLS) expect(dom).toContain(`data-pool="${prefix}"`);
    expect(dom).toContain('data-vlan-index="edge02"');
    expect(dom).toContain('2^64 - 2');
    // One address cell per address of each /24 (3 x 256 + ... ): 7 IPv4 pools of 256 cells.
    expect((dom.match(/<i class="c/g) ?? []).length).toBe(7 * 256);
  });

  it('takes a screenshot that is a picture of the page, not a blank one', () => {
    const shot = join(scratch, 'report.png');
    chromium(['--window-size=1400,2600', `--screenshot=${shot}`], page);
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    // Text, bars, cluster colours and address cells: far more than the few colours of a blank page.
    expect(distinctColours(shot)).toBeGreaterThan(200);
  });

  it('without --results, takes the warnings from the Kptfile conditions alone and says so', () => {
    const out = join(scratch, 'conditions.html');
    const r = netpipe(['report', '.', '--out', out, '--json'], ws.dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ out, pools: 9, holdings: 12, pending: 0, vlanIds: 3, warnings: 4 });
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('from kpt results');
    expect(html).toContain('from Kptfile status.conditions (packages/blueprints/upf/Kptfile)');
  });

  it('has --help and needs --out', () => {
    const help = netpipe(['report', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: netpipe report DIR... --out FILE.html');
    const none = netpipe(['report', '.']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('report needs --out FILE.html');
  });
});
