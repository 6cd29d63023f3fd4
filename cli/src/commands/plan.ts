/**
 * `netpipe plan DIR...`: what the next `kpt fn render DIR` would allocate, move, release and
 * rewrite, from the real pipeline run with `-o stdout` (kpt prints the result instead of writing
 * it), so nothing in DIR changes.
 */
import { checkFlags, parseArgs } from '../args';
import { emit, plural } from '../output';
import { previewRender } from '../view/kpt-render';
import { isEmptyDiff, RenderDiff, renderDiff } from '../view/render-diff';
import { RenderResult } from '../view/kpt-results';
import { Command } from './command';

const USAGE = `usage: netpipe plan DIR... [--json]

What the next \`kpt fn render DIR --allow-exec\` would do, without writing a file: runs that
render with \`-o stdout\` from the current directory (kpt resolves exec: paths from there, so run
plan where you run the render) and compares its output with \`kpt fn source DIR\`:
  addresses   who gets, moves, releases or inherits which address
              ("ran01/gnb-ran01 n3 ipv4 gets 192.168.251.4")
  VLANs       VLAN IDs got, moved or released
  NADs        NetworkAttachmentDefinitions created or deleted, and each changed setting
  entries     k8s.v1.cni.cncf.io/networks entries a workload gains, loses or changes
  files       every file the render would write, rewrite or delete (with what changes in it
              when no section above says: Kptfile conditions, cursors)
  warnings    the render's warnings and errors, from kpt's results

Prints "nothing to do" when the render would change no file. Steps that use the shared ledger
read it and write nothing (NETPIPE_LEDGER_READ_ONLY=1 in their environment); kpt gives image:
functions no environment, so a package whose ledger steps are image: steps is refused.
--json   one document: {plans: [{dir, nothingToDo, addresses, vlans, nads, entries, files, results}]}
Exit 0; 1 when the render would fail (kpt's output is shown; nothing is written either way).
`;

interface DirPlan {
  readonly dir: string;
  readonly diff?: RenderDiff;
  readonly results: readonly RenderResult[];
  readonly failure?: string;
}

function section(title: string, lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${title}:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

export function planText(p: DirPlan): string {
  const warnings = p.results.filter((r) => r.severity === 'warning' || r.severity === 'error');
  const said = section(
    'warnings of the render (kpt results)',
    warnings.map((r) => `[${r.severity}] ${r.resource ? `${r.resource}: ` : ''}${r.message}`),
  );
  if (p.failure !== undefined || p.diff === undefined) {
    return `plan ${p.dir}: the render would fail, so it would write nothing:\n${p.failure ?? ''}\n${said}`;
  }
  const d = p.diff;
  if (isEmptyDiff(d)) return `plan ${p.dir}: nothing to do - the next render changes no file\n${said}`;
  const addresses = d.addresses.map((a) => {
    const who = `${a.holder} ${a.interface} ${a.family}`;
    const where = `(${a.networkInstance}, claim ${a.claim})`;
    if (a.action === 'gets') return `${who} gets ${a.to} ${where}`;
    if (a.action === 'moves') return `${who} moves from ${a.from} to ${a.to} ${where}`;
    if (a.action === 'inherits') return `${who} keeps ${a.to}, inherited from claim ${a.fromClaim} ${where}`;
    return `${who} releases ${a.from} ${where}`;
  });
  const vlans = d.vlans.map((v) => {
    const who = `${v.holder} ${v.interface}`;
    if (v.action === 'gets') return `${who} gets VLAN ${v.to} (VLAN index ${v.index}, claim ${v.claim})`;
    if (v.action === 'moves') return `${who} moves from VLAN ${v.from} to ${v.to} (VLAN index ${v.index}, claim ${v.claim})`;
    return `${who} releases VLAN ${v.from} (VLAN index ${v.index}, claim ${v.claim})`;
  });
  const nads = d.nads.flatMap((n) =>
    n.action === 'changes' ? [`${n.nad} (${n.package}) changes:`, ...n.details.map((x) => `  ${x}`)] : [`${n.nad} (${n.package}) ${n.action === 'creates' ? `is created: ${n.details.join('; ')}` : 'is deleted'}`],
  );
  const entries = d.entries.map((e) => {
    if (e.action === 'adds') return `${e.workload} (${e.package}) adds ${e.network}: ${e.after}`;
    if (e.action === 'removes') return `${e.workload} (${e.package}) removes ${e.network} (was ${e.before})`;
    return `${e.workload} (${e.package}) changes ${e.network}: ${e.before} -> ${e.after}`;
  });
  const files = d.files.flatMap((f) => [`${f.action} ${f.file}`, ...f.details.map((x) => `  ${x}`)]);
  const counts = [
    plural(d.addresses.length, 'address change'),
    plural(d.vlans.length, 'VLAN change'),
    plural(d.nads.length, 'NAD change'),
    plural(d.entries.length, 'annotation entry change', 'annotation entry changes'),
    plural(d.files.length, 'file'),
  ].join(', ');
  return (
    `plan ${p.dir}: the next render would make ${counts} (nothing written now)\n` +
    [section('addresses', addresses), section('VLANs', vlans), section('NADs', nads), section('workload annotations (k8s.v1.cni.cncf.io/networks)', entries), section('files', files), said]
      .filter((s) => s !== '')
      .join('\n')
  );
}

export function planJson(p: DirPlan): unknown {
  return {
    dir: p.dir,
    nothingToDo: p.diff !== undefined && isEmptyDiff(p.diff),
    ...(p.failure !== undefined ? { failure: p.failure } : {}),
    ...(p.diff ?? {}),
    results: p.results,
  };
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'what the next kpt fn render would allocate, move, release and rewrite (writes nothing)',
  async run(argv) {
    const args = parseArgs(argv);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    checkFlags(args, ['json'], 'plan');
    if (args.positional.length === 0) throw new Error('plan takes the package directories to render (each as you render it); see netpipe plan --help');
    const plans: DirPlan[] = args.positional.map((dir) => {
      const preview = previewRender(dir);
      return { dir, diff: preview.after ? renderDiff(preview.before, preview.after) : undefined, results: preview.results, failure: preview.failure };
    });
    emit(args.flags.has('json'), { plans: plans.map(planJson) }, plans.map(planText).join('\n'));
    return plans.some((p) => p.failure !== undefined) ? 1 : 0;
  },
};
