/**
 * `netpipe report`'s page: one self-contained HTML file (inline CSS and a few lines of inline
 * script, no fetches, no fonts or images from anywhere) that works from a file: URL. It draws each
 * pool's utilization as a bar split by cluster and, for pools of up to 1024 addresses, a map of
 * every address; lists the holdings per cluster and workload, VLAN usage per index and the
 * warnings of the last render. The same plan gives the same bytes (no timestamps).
 */
import { byText } from '../../../functions/lib/src/order';
import { formatAddress, parseAddress } from '../../../functions/lib/src/ipam/address';
import { AddressPlan, ClaimedAddress, PoolUsage, VlanIndexUsage } from './address-plan';
import { RenderWarning } from './render-warnings';
import { fraction, humanCount, percent } from './sizes';

/** Pools up to this many addresses get a cell per address; larger ones only the bar. */
const MAP_LIMIT = 1024n;
const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#be185d', '#4d7c0f'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface ReportInput {
  readonly plan: AddressPlan;
  readonly warnings: readonly RenderWarning[];
  /** The directories read, as given. */
  readonly dirs: readonly string[];
}

function clusterColors(plan: AddressPlan): Map<string, string> {
  const clusters = [...new Set([...plan.holdings.map((h) => h.cluster), ...plan.pools.flatMap((p) => [...p.usedByCluster.keys()])])].sort(byText);
  return new Map(clusters.map((c, i) => [c, PALETTE[i % PALETTE.length]]));
}

const clusterLabel = (c: string): string => c || '(no cluster)';

function bar(p: PoolUsage, colors: Map<string, string>): string {
  const segments = [...p.usedByCluster]
    .map(([cluster, n]) => {
      // A sliver of a /64 still shows: at least 0.6% of the bar.
      const width = Math.max(n > 0n ? 0.6 : 0, fraction(n, p.usable) * 100);
      return `<span class="seg" data-of="${esc(cluster)}" style="width:${width.toFixed(2)}%;background:${colors.get(cluster)}" title="${esc(`${clusterLabel(cluster)}: ${humanCount(n)} of ${humanCount(p.usable)}`)}"></span>`;
    })
    .join('');
  return `<div class="bar" role="img" aria-label="${esc(`${p.prefix} ${percent(p.used, p.usable)} used`)}">${segments}</div>`;
}

function addressMap(p: PoolUsage, holdings: readonly ClaimedAddress[], colors: Map<string, string>): string {
  const pool = p.pool;
  const size = pool.lastAddress - pool.network + 1n;
  if (size > MAP_LIMIT) return `<p class="note">${humanCount(size)} addresses: too many for an address map; the bar shows the share used.</p>`;
  const held = new Map<bigint, ClaimedAddress>();
  for (const h of holdings) {
    const a = parseAddress(h.address.split('/')[0]);
    if (!a.ok) continue;
    const span = h.address.includes('/') ? 1n << BigInt((pool.family === 'ipv4' ? 32 : 128) - Number(h.address.split('/')[1])) : 1n;
    for (let v = a.value.value; v < a.value.value + span && v <= pool.lastAddress; v++) held.set(v, h);
  }
  const cells: string[] = [];
  for (let v = pool.network; v <= pool.lastAddress; v++) {
    const address = formatAddress(pool.family, v);
    const h = held.get(v);
    if (h) {
      cells.push(`<i class="c held" data-of="${esc(h.cluster)}" style="background:${colors.get(h.cluster)}" title="${esc(`${address}: ${clusterLabel(h.cluster)}/${h.workload || h.claim} ${h.interface}`)}"></i>`);
      continue;
    }
    const reason = pool.reservedReason(v);
    cells.push(reason ? `<i class="c reserved" title="${esc(`${address}: ${reason}`)}"></i>` : `<i class="c" title="${esc(`${address}: free`)}"></i>`);
  }
  const columns = size >= 256n ? 32 : size >= 16n ? 16 : Number(size);
  return `<div class="map" style="grid-template-columns:repeat(${columns},1fr)">${cells.join('')}</div>`;
}

function poolCard(p: PoolUsage, holdings: readonly ClaimedAddress[], colors: Map<string, string>): string {
  const mine = holdings.filter((h) => h.networkInstance === p.networkInstance && h.pool === p.prefix);
  return `<article class="pool" data-pool="${esc(p.prefix)}">
<p class="eyebrow">${esc(p.networkInstance)}</p>
<div class="pool-head"><h4><code>${esc(p.prefix)}</code></h4><span class="pct">${percent(p.used, p.usable)}</span></div>
<p class="facts">${esc(p.family)} · ${esc(p.servesCluster ? `serves ${p.servesCluster}` : 'all clusters')} · ${esc(p.gateway ? `gateway ${p.gateway}` : 'no gateway')}${p.kind !== 'network' ? ` · ${esc(p.kind)} prefixes` : ''}</p>
${bar(p, colors)}
<dl class="numbers"><div><dt>usable</dt><dd>${humanCount(p.usable)}</dd></div><div><dt>used</dt><dd>${humanCount(p.used)}</dd></div><div><dt>free</dt><dd>${humanCount(p.free)}</dd></div></dl>
${addressMap(p, mine, colors)}
<p class="src">${esc(p.definedBy)}</p>
</article>`;
}

function poolsSection(plan: AddressPlan, colors: Map<string, string>): string {
  if (plan.pools.length === 0) return '<section id="pools"><h2>Pools</h2><p class="empty">No pools in the packages.</p></section>';
  // One grid over every pool (sorted by network instance) fits a screen; the card names its network instance.
  return `<section id="pools"><h2>Pools <small>utilization per pool, split by cluster</small></h2><div class="cards">${plan.pools.map((p) => poolCard(p, plan.holdings, colors)).join('\n')}</div></section>`;
}

function holdingsSection(plan: AddressPlan, colors: Map<string, string>): string {
  const clusters = [...new Set(plan.holdings.map((h) => h.cluster))].sort(byText);
  const body = clusters
    .map((c) => {
      const mine = plan.holdings.filter((h) => h.cluster === c);
      const workloads = [...new Set(mine.map((h) => h.workload))].sort(byText);
      const groups = workloads
        .map((w) => {
          const rows = mine
            .filter((h) => h.workload === w)
            .map((h) => `<tr><td>${esc(h.interface || '-')}</td><td>${esc(h.networkInstance)}</td><td>${esc(h.family)}</td><td><code>${esc(h.address)}</code>${h.pool ? '' : ' <span class="warn">outside every pool</span>'}</td><td><code>${esc(h.gateway ?? '-')}</code></td><td>${h.vlan ?? '-'}</td><td>${esc(h.package)}</td></tr>`)
            .join('');
          return `<h4 class="workload">${esc(w || '(no workload)')}</h4><table><thead><tr><th>interface</th><th>network instance</th><th>family</th><th>address</th><th>gateway</th><th>VLAN</th><th>package</th></tr></thead><tbody>${rows}</tbody></table>`;
        })
        .join('');
      return `<div class="cluster"><h3><span class="dot" style="background:${colors.get(c)}"></span>${esc(clusterLabel(c))} <small>${mine.length} addresses</small></h3>${groups}</div>`;
    })
    .join('\n');
  const pending =
    plan.pending.length === 0
      ? ''
      : `<h3>Waiting for the next render (${plan.pending.length})</h3><table><thead><tr><th>cluster</th><th>workload</th><th>interface</th><th>network instance</th><th>claim</th></tr></thead><tbody>${plan.pending
          .map((c) => `<tr><td>${esc(clusterLabel(c.cluster))}</td><td>${esc(c.workload || '-')}</td><td>${esc(c.interface || '-')}</td><td>${esc(c.networkInstance)}</td><td>${esc(c.claim)}</td></tr>`)
          .join('')}</tbody></table>`;
  return `<section id="holdings"><h2>Holdings by cluster and workload</h2>${body || '<p class="empty">No claim holds an address.</p>'}${pending}</section>`;
}

function vlanCard(v: VlanIndexUsage): string {
  const usable = v.usable ?? 0;
  const width = usable > 0 ? Math.max(v.used > 0 ? 0.6 : 0, (v.used / usable) * 100) : 0;
  const ids = v.holdings
    .map((h) => `<li><b>${h.id}</b> ${esc(h.binding)}${h.workloads.length ? ` <small>${esc(h.workloads.join(', '))}${h.interfaces.length ? ` · ${esc(h.interfaces.join(', '))}` : ''}</small>` : ''}</li>`)
    .join('');
  return `<article class="pool vlan" data-vlan-index="${esc(v.index)}"><div class="pool-head"><h4>VLAN index ${esc(v.index)}</h4><span class="pct">${v.used} of ${v.usable ?? '?'} IDs</span></div>
<p class="facts">${v.range ? `IDs ${esc(v.range)}` : 'no VLANIndex in the packages'}</p>
<div class="bar"><span class="seg" style="width:${width.toFixed(2)}%;background:#475569"></span></div><ul class="ids">${ids || '<li class="empty">no ID held</li>'}</ul></article>`;
}

function warningsSection(warnings: readonly RenderWarning[]): string {
  const items = warnings
    .map((w) => `<li class="${esc(w.severity)}"><span class="sev">${esc(w.severity)}</span> ${w.resource ? `<b>${esc(w.resource)}</b>: ` : ''}${esc(w.message)}<div class="from">from ${esc(w.source)}${w.file ? ` · ${esc(w.file)}` : ''}</div></li>`)
    .join('');
  return `<section id="warnings"><h2>Warnings of the last render</h2>${
    items ? `<ul class="warnings">${items}</ul>` : '<p class="empty">None recorded: no kpt results were given (--results) and every Kptfile condition is True.</p>'
  }</section>`;
}

const STYLE = `
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--free:#e2e8f0;--reserved:#94a3b8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#cbd5e1}
.legend{display:flex;flex-wrap:wrap;gap:14px;margin-top:10px}.legend span{display:inline-flex;align-items:center;gap:6px;color:#e2e8f0}
.dot{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
main{padding:8px 28px 28px;max-width:1400px}h2{font-size:18px;margin:26px 0 10px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:16px 0 8px}h3 small{color:var(--muted);font-weight:400}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:14px}
.pool{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.eyebrow{margin:0 0 2px;font-size:11px;font-weight:700;letter-spacing:.05em;text-transform:uppercase;color:#475569}h2 small{font-size:12px;font-weight:400;color:var(--muted);margin-left:8px}
.pool-head{display:flex;justify-content:space-between;align-items:baseline}.pool-head h4{margin:0;font-size:15px}.pool-head h4 code{font-size:14px;font-weight:600}.pct{font-weight:600;font-size:15px}
.facts,.src,.note{margin:2px 0 8px;color:var(--muted);font-size:12px}.src{margin:8px 0 0;word-break:break-all}
.bar{display:flex;height:14px;border-radius:7px;background:var(--free);overflow:hidden}.seg{display:block;height:100%}
.numbers{display:flex;gap:22px;margin:8px 0}.numbers div{display:flex;flex-direction:column}.numbers dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.04em}.numbers dd{margin:0;font-weight:600}
.map{display:grid;gap:2px;margin-top:6px}.c{display:block;aspect-ratio:1;background:var(--free);border-radius:2px}.c.reserved{background:var(--reserved)}.c.held{outline:1px solid rgba(0,0,0,.25)}
.maplegend{display:flex;gap:14px;color:var(--muted);font-size:12px;margin:4px 0 10px}.maplegend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;table-layout:fixed;width:100%;background:#fff;border:1px solid var(--line);margin-bottom:10px}th,td{text-align:left;padding:5px 9px;border-bottom:1px solid var(--line)}th{background:#f1f5f9;font-weight:600;font-size:12px;color:#334155}
.workload{margin:10px 0 4px;font-size:13px;color:#334155}.cluster{margin-bottom:14px}
.ids{list-style:none;padding:0;margin:8px 0 0}.ids li{padding:2px 0}.ids b{display:inline-block;min-width:44px}
.warnings{list-style:none;padding:0}.warnings li{background:#fff;border:1px solid var(--line);border-left:4px solid #d97706;border-radius:6px;padding:8px 12px;margin-bottom:8px}
.warnings li.error{border-left-color:#dc2626}.warnings li.condition{border-left-color:#64748b}.sev{text-transform:uppercase;font-size:11px;font-weight:700;color:#92400e;margin-right:6px}
.from{color:var(--muted);font-size:12px;margin-top:2px}.warn{color:#b91c1c;font-size:12px}.empty{color:var(--muted)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,monospace}footer{color:var(--muted);font-size:12px;padding:0 28px 24px}
.dim{opacity:.18}
`;

/** Clicking a cluster in the legend dims every other cluster's addresses; the marker says the script ran. */
const SCRIPT = `
(function () {
  var legend = document.querySelectorAll('[data-cluster]');
  var cells = document.querySelectorAll('[data-of]');
  for (var i = 0; i < legend.length; i++) {
    legend[i].addEventListener('click', function (e) {
      var c = e.currentTarget.getAttribute('data-cluster');
      var on = document.body.getAttribute('data-focus') !== c;
      document.body.setAttribute('data-focus', on ? c : '');
      var marks = document.querySelectorAll('[data-of]');
      for (var j = 0; j < marks.length; j++) marks[j].classList.toggle('dim', on && marks[j].getAttribute('data-of') !== c);
    });
  }
  var ready = document.createElement('p');
  ready.id = 'report-ready';
  ready.hidden = true;
  ready.textContent = 'netpipe report script ran: ' + document.querySelectorAll('.pool[data-pool]').length + ' pools, ' + cells.length + ' marks';
  document.body.appendChild(ready);
})();
`;

export function reportPage(input: ReportInput): string {
  const { plan, warnings } = input;
  const colors = clusterColors(plan);
  const vlanIds = plan.vlans.reduce((n, v) => n + v.used, 0);
  const legend = [...colors]
    .map(([c, color]) => `<span data-cluster="${esc(c)}" style="cursor:pointer"><i class="dot" style="background:${color}"></i>${esc(clusterLabel(c))}</span>`)
    .join('');
  const body = `<header><h1>Address plan</h1>
<p>${esc(input.dirs.join(', '))} · ${plan.pools.length} pools in ${new Set(plan.pools.map((p) => p.networkInstance)).size} network instances · ${plan.holdings.length} addresses held · ${plan.pending.length} waiting · ${vlanIds} VLAN IDs · ${warnings.length} warnings</p>
<div class="legend">${legend}<span><i class="dot" style="background:var(--reserved)"></i>reserved (network, broadcast, gateway, excluded)</span><span><i class="dot" style="background:var(--free)"></i>free</span></div></header>
<main>
${poolsSection(plan, colors)}
${holdingsSection(plan, colors)}
<section id="vlans"><h2>VLAN usage per index</h2>${plan.vlans.length === 0 ? '<p class="empty">No VLAN index and no VLANClaim in the packages.</p>' : `<div class="cards">${plan.vlans.map(vlanCard).join('\n')}</div>`}</section>
${warningsSection(warnings)}
${plan.problems.length === 0 ? '' : `<section id="problems"><h2>Problems</h2><ul class="warnings">${plan.problems.map((r) => `<li class="error">${esc(r.message)}</li>`).join('')}</ul></section>`}
</main>
<footer>netpipe report: read from the package files (no etcd, no render). Counts of ten million and more are written as powers of two.</footer>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>netpipe address plan</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script>${SCRIPT}</script>
</body>
</html>
`;
}
