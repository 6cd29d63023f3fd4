// Renders the repository's packages in place with the real kpt (`kpt fn render --allow-exec`), then
// prints what the pipeline bound: per network instance every IPClaim with its address and gateway,
// and how full each pool is. Usage: node scripts/render.mjs [root]   (default: the repository root)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

function die(message, code = 1) {
  process.stderr.write(`render: ${message}\n`);
  process.exit(code);
}

// ---- kpt ------------------------------------------------------------------------------------

const version = spawnSync('kpt', ['version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  const why = version.error?.code === 'ENOENT' ? 'kpt is not on PATH' : `\`kpt version\` failed: ${(version.stderr || version.error?.message || '').trim()}`;
  die(`${why}. Install kpt 1.0.0-beta.x (on Debian: package google-cloud-cli-kpt) and run again; nothing was rendered.`);
}
if (!existsSync(join(root, 'Kptfile'))) die(`${root} has no Kptfile: nothing to render`);

const rootKptfile = yaml.load(readFileSync(join(root, 'Kptfile'), 'utf8')) ?? {};
const execs = [...(rootKptfile.pipeline?.mutators ?? []), ...(rootKptfile.pipeline?.validators ?? [])]
  .map((f) => f.exec)
  .filter((p) => typeof p === 'string');
const missing = execs.filter((p) => !existsSync(resolve(root, p)));
if (missing.length > 0) die(`function bundle(s) missing: ${missing.join(', ')}. Run \`npm run build\` (\`npm run render\` does it first).`);

// kpt resolves `exec:` paths against its working directory, so it must run from the root.
const started = process.hrtime.bigint();
const kpt = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (kpt.error) die(`cannot run kpt: ${kpt.error.message}`);
const kptOutput = `${kpt.stdout}${kpt.stderr}`;
if (kpt.status !== 0) {
  process.stderr.write(kptOutput);
  die(`kpt fn render failed (exit ${kpt.status}); kpt wrote nothing. Fix what the results above name and run again.`, kpt.status || 1);
}
// kpt's per-package and [RUNNING] lines say nothing a summary needs; results and timings stay.
const kept = kptOutput.split('\n').filter((l) => l.trim() !== '' && !/^Package ".*":\s*$/.test(l) && !/^\[RUNNING\]/.test(l));
process.stdout.write(`${kept.join('\n')}\n`);
process.stdout.write(`${version.stdout.trim().replace(/^(?!kpt)/, 'kpt ')}: rendered ${relative(process.cwd(), root) || '.'} in ${seconds.toFixed(1)} s\n\n`);

// ---- reading the rendered packages -------------------------------------------------------------

/** .krmignore patterns of a package (a gitignore subset: names, paths, `*`, trailing `/`). */
function ignoreRules(dir) {
  const file = join(dir, '.krmignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const dirOnly = l.endsWith('/');
      const p = l.replace(/\/+$/, '').replace(/^\//, '');
      const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
      return { base: dir, anchored: l.replace(/\/+$/, '').includes('/'), dirOnly, re };
    });
}

function ignored(path, isDir, rules) {
  return rules.some((r) => {
    if (r.dirOnly && !isDir) return false;
    const rel = relative(r.base, path).split(sep).join('/');
    if (rel.startsWith('..')) return false;
    return r.anchored ? r.re.test(rel) : r.re.test(rel.slice(rel.lastIndexOf('/') + 1));
  });
}

/** Resource files kpt reads, each with the package (directory holding a Kptfile) it belongs to. */
function resourceFiles() {
  const out = [];
  const walk = (dir, pkg, rules) => {
    const isPkg = existsSync(join(dir, 'Kptfile'));
    const here = isPkg ? dir : pkg;
    const active = isPkg ? [...rules, ...ignoreRules(dir)] : rules;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const isDir = statSync(p).isDirectory();
      if (ignored(p, isDir, active)) continue;
      if (isDir) walk(p, here, active);
      else if (/\.ya?ml$/.test(name) || name === 'Kptfile') out.push({ file: p, pkg: here });
    }
  };
  walk(root, root, []);
  return out;
}

const claims = [];
const pools = [];
const vlanClaims = [];
const isIpam = (o) => typeof o.apiVersion === 'string' && o.apiVersion.startsWith('ipam.resource.nephio.org/');
for (const { file, pkg } of resourceFiles()) {
  let docs;
  try {
    docs = yaml.loadAll(readFileSync(file, 'utf8'));
  } catch (e) {
    process.stderr.write(`render: skipping ${relative(root, file)}: ${e.message.split('\n')[0]}\n`);
    continue;
  }
  const pkgPath = relative(root, pkg).split(sep).join('/') || '.';
  for (const o of docs) {
    if (o && typeof o === 'object' && o.apiVersion === 'vlan.resource.nephio.org/v1alpha1' && o.kind === 'VLANClaim') {
      const name = String(o.metadata?.name ?? '');
      vlanClaims.push({
        pkg: pkgPath,
        name: o.metadata?.namespace ? `${o.metadata.namespace}/${name}` : name,
        index: String(o.spec?.vlanIndex?.name ?? ''),
        bd: String(o.metadata?.annotations?.['specializer.nephio.org/vlanClaimName'] ?? ''),
        id: o.status?.vlanID === undefined ? undefined : String(o.status.vlanID),
      });
    }
    if (!o || typeof o !== 'object' || !isIpam(o)) continue;
    const name = String(o.metadata?.name ?? '');
    if (o.kind === 'IPClaim') {
      claims.push({
        pkg: pkgPath,
        name: o.metadata?.namespace ? `${o.metadata.namespace}/${name}` : name,
        ni: String(o.spec?.networkInstance?.name ?? ''),
        prefix: o.status?.prefix === undefined ? undefined : String(o.status.prefix),
        gateway: o.status?.gateway === undefined ? undefined : String(o.status.gateway),
      });
    } else if (o.kind === 'NetworkInstance') {
      (Array.isArray(o.spec?.prefixes) ? o.spec.prefixes : []).forEach((e) => e && pools.push(poolOf(name, e, `NetworkInstance ${name}`)));
    } else if (o.kind === 'IPPrefix' && (o.spec?.kind ?? 'network') === 'network') {
      pools.push(poolOf(String(o.spec?.networkInstance?.name ?? ''), o.spec ?? {}, `IPPrefix ${name}`));
    }
  }
}

// ---- address arithmetic (bigint: an IPv6 /64 is as cheap as a /30) ------------------------------

function parseV4(text) {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

function parseV6(text) {
  let t = text;
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    // An embedded IPv4 tail (::ffff:10.0.0.1) stands for the last two groups.
    const v4 = parseV4(t.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    t = `${t.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s) => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  const fill = 8 - left.length - right.length;
  if (halves.length === 2 && fill < 1) return undefined;
  const all = halves.length === 2 ? [...left, ...Array(fill).fill('0'), ...right] : left;
  if (all.length !== 8 || all.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return all.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

function parseAddress(text) {
  const t = String(text).trim();
  if (t.includes(':')) {
    const v = parseV6(t);
    return v === undefined ? undefined : { family: 'ipv6', bits: 128, value: v };
  }
  const v = parseV4(t);
  return v === undefined ? undefined : { family: 'ipv4', bits: 32, value: v };
}

function parseCidr(text) {
  const [addr, len, extra] = String(text).trim().split('/');
  const a = parseAddress(addr);
  if (!a || extra !== undefined || len === undefined || !/^\d+$/.test(len) || Number(len) > a.bits) return undefined;
  return { ...a, length: Number(len) };
}

/** [lo, hi] of an exclusion: an address, a CIDR or `first-last`. */
function parseRange(text) {
  const t = String(text).trim();
  if (t.includes('-')) {
    const [a, b] = t.split('-').map(parseAddress);
    return a && b ? [a.value, b.value] : undefined;
  }
  if (t.includes('/')) {
    const c = parseCidr(t);
    if (!c) return undefined;
    const size = 1n << BigInt(c.bits - c.length);
    const lo = c.value & ~(size - 1n);
    return [lo, lo + size - 1n];
  }
  const a = parseAddress(t);
  return a ? [a.value, a.value] : undefined;
}

/**
 * A pool's usable size: the prefix less its network address, the IPv4 broadcast (prefixes up to
 * /30) or the IPv6 subnet-router anycast, the gateway and the exclusions. /31 and /127 are
 * point-to-point (both usable), /32 and /128 one address; overlapping reservations count once.
 */
function poolOf(ni, entry, source) {
  const prefix = String(entry.prefix ?? '');
  const c = parseCidr(prefix);
  const pool = { ni, prefix, source, valid: false };
  if (!c) return pool;
  const hostBits = BigInt(c.bits - c.length);
  const size = 1n << hostBits;
  const network = c.value;
  if ((network & (size - 1n)) !== 0n) return pool;
  const last = network + size - 1n;
  const first = hostBits <= 1n ? network : network + 1n;
  const lastUsable = hostBits <= 1n || c.family === 'ipv6' ? last : last - 1n;

  const labelGateway = entry.labels?.['nephio.org/gateway'];
  const gwText = entry.gateway ?? (typeof labelGateway === 'string' && /[.:]/.test(labelGateway) ? labelGateway : undefined);
  let gateway;
  if (gwText !== undefined && gwText !== null) gateway = parseAddress(String(gwText).split('/')[0])?.value;
  else if (gwText === undefined && hostBits >= 2n) gateway = network + 1n;

  const reserved = [];
  if (gateway !== undefined) reserved.push([gateway, gateway]);
  for (const x of Array.isArray(entry.exclude) ? entry.exclude : []) {
    const r = parseRange(x);
    if (r) reserved.push(r);
  }
  const clipped = reserved
    .map(([lo, hi]) => [lo > first ? lo : first, hi < lastUsable ? hi : lastUsable])
    .filter(([lo, hi]) => lo <= hi)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let taken = 0n;
  let reach = first - 1n;
  for (const [lo, hi] of clipped) {
    const from = lo > reach ? lo : reach + 1n;
    if (hi >= from) taken += hi - from + 1n;
    if (hi > reach) reach = hi;
  }
  return { ...pool, valid: true, family: c.family, network, last, usable: lastUsable - first + 1n - taken };
}

// ---- summary ----------------------------------------------------------------------------------

const grouped = (n) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** used/usable as a percentage with two decimals, exact (rounded half up). */
function percent(used, usable) {
  if (usable === 0n) return used === 0n ? '-' : 'over';
  const hundredths = (used * 10000n * 2n + usable) / (2n * usable);
  if (hundredths === 0n && used > 0n) return '<0.01%';
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}%`;
}

for (const c of claims) {
  const a = c.prefix === undefined ? undefined : parseAddress(c.prefix.split('/')[0]);
  c.family = a?.family;
  c.value = a?.value;
}
for (const p of pools) {
  if (!p.valid) continue;
  const inside = new Set(claims.filter((c) => c.ni === p.ni && c.family === p.family && c.value >= p.network && c.value <= p.last).map((c) => c.value));
  p.used = BigInt(inside.size);
}

const networks = [...new Set([...claims.map((c) => c.ni), ...pools.map((p) => p.ni)])].sort();
if (networks.length === 0) {
  process.stdout.write('No IPClaims and no pools in the rendered packages.\n');
  process.exit(0);
}

/** Claims by family and address, unallocated ones last. */
const rank = (c) => (c.family === 'ipv4' ? 0 : c.family === 'ipv6' ? 1 : 2);
const byAddress = (a, b) =>
  rank(a) - rank(b) ||
  (a.value === b.value ? 0 : a.value === undefined ? 1 : b.value === undefined ? -1 : a.value < b.value ? -1 : 1) ||
  (a.pkg < b.pkg ? -1 : a.pkg > b.pkg ? 1 : 0) ||
  (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const claimRows = claims.map((c) => [c.pkg, c.name, c.prefix ?? 'unallocated', c.gateway ? `gw ${c.gateway}` : '']);
const poolRows = pools.map((p) =>
  p.valid ? [p.prefix, grouped(p.used), grouped(p.usable), percent(p.used, p.usable), p.source] : [p.prefix, '', '', 'invalid prefix', p.source],
);
const width = (rows, i) => Math.max(0, ...rows.map((r) => r[i].length));
const cw = [0, 1, 2].map((i) => width(claimRows, i));
const pw = [0, 1, 2, 3].map((i) => width(poolRows.filter((r) => r[1] !== ''), i));
const pad = (s, n) => s + ' '.repeat(Math.max(0, n - s.length));
const padLeft = (s, n) => ' '.repeat(Math.max(0, n - s.length)) + s;

const lines = [];
for (const ni of networks) {
  lines.push(`${ni || '(no network instance)'}`);
  const mine = claims.filter((c) => c.ni === ni).sort(byAddress);
  for (const c of mine) {
    const r = claimRows[claims.indexOf(c)];
    const outside = c.value !== undefined && !pools.some((p) => p.valid && p.ni === ni && p.family === c.family && c.value >= p.network && c.value <= p.last);
    lines.push(`  ${pad(r[0], cw[0])}  ${pad(r[1], cw[1])}  ${pad(r[2], cw[2])}  ${r[3]}${outside ? '  (outside every pool)' : ''}`.trimEnd());
  }
  if (mine.length === 0) lines.push('  (no claims)');
  for (const p of pools.filter((x) => x.ni === ni)) {
    const r = poolRows[pools.indexOf(p)];
    // The source is worth a word only when it is not the NetworkInstance the section is named after.
    const from = r[4] === `NetworkInstance ${ni}` ? '' : `  (${r[4]})`;
    lines.push(
      p.valid
        ? `  pool ${pad(r[0], pw[0])}  ${padLeft(r[3], pw[3])}  ${padLeft(r[1], pw[1])} of ${r[2]} usable addresses used${from}`
        : `  pool ${pad(r[0], pw[0])}  invalid prefix${from}`,
    );
  }
  if (!pools.some((p) => p.ni === ni)) lines.push('  (no pool in the packages)');
}
const allocated = claims.filter((c) => c.prefix !== undefined).length;
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
lines.push('', `${plural(claims.length, 'IPClaim')} (${allocated} allocated) in ${plural(networks.length, 'network instance')}, ${plural(pools.length, 'pool')}`);
if (vlanClaims.length > 0) {
  // VLANs: one ID per bridge domain within each VLAN index.
  const rows = vlanClaims.map((v) => [v.pkg, v.name, v.id === undefined ? 'unallocated' : `VLAN ${v.id}`, v.bd ? `bridge domain ${v.bd}` : '']);
  const vw = [0, 1, 2].map((i) => width(rows, i));
  for (const index of [...new Set(vlanClaims.map((v) => v.index))].sort()) {
    lines.push('', `VLAN index ${index}`);
    const mine = vlanClaims.filter((v) => v.index === index).sort((a, b) => Number(a.id ?? 1e9) - Number(b.id ?? 1e9) || (a.name < b.name ? -1 : 1));
    for (const v of mine) {
      const r = rows[vlanClaims.indexOf(v)];
      lines.push(`  ${pad(r[0], vw[0])}  ${pad(r[1], vw[1])}  ${pad(r[2], vw[2])}  ${r[3]}`.trimEnd());
    }
  }
  lines.push('', plural(vlanClaims.length, 'VLANClaim') + ` (${vlanClaims.filter((v) => v.id !== undefined).length} allocated)`);
}
process.stdout.write(`${lines.join('\n')}\n`);
