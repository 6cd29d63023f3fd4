/**
 * Replays one edit sequence: applies each edit, renders, and checks after every render
 * - the render succeeds or fails as the model expects, an error names what the edit broke and
 *   leaves the tree byte-identical (the edit is then undone, as a user would);
 * - every Interface a workload names has exactly one entry in its workload's
 *   `k8s.v1.cni.cncf.io/networks`, under its current name, with its claims' current addresses;
 * - an address or a VLAN ID changes only with a result naming old and new (a prefix-length-only
 *   change: a result naming both lengths); a removed Interface's address is named as released;
 *   a VLAN Interface's NAD attaches to `<master>.<its VLAN ID>`;
 * - no address is held twice in one network instance, no VLAN ID by two bridge domains of one index;
 * - a re-render changes no byte.
 * The first broken check throws, naming the step, the edit and the whole sequence as JSON.
 */
import { join } from 'node:path';
import { kptSource } from '../support/kpt';
import { Applied, applyEdit, cloneItems, cloneModel, dirOf, Doc, entriesOf, Expectation, isDeployment, itemsOfText, modelOf, ModelInterface, Edit, Sequence, toResourceList, withVlans } from './model';
import { Ledger, render, Rendered } from './render';

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** An address or VLAN ID as a whole word (10.4.0.2 is not inside 10.4.0.23). */
const word = (s: string): RegExp => new RegExp(`(^|[^0-9.:a-f])${escape(s)}([^0-9a-f:]|$)`);
const ipOf = (prefix: string): string => prefix.split('/')[0];
const lengthOf = (prefix: string): string => prefix.split('/')[1];

let base: Doc[] | undefined;

/** The package set every sequence starts from, rendered once: the example's two clusters with VLANs. */
export async function baseTree(): Promise<Doc[]> {
  if (!base) {
    const source = withVlans(itemsOfText(kptSource(join(__dirname, '..', '..', 'fixtures', 'pipeline', 'multi-cluster', 'input'))));
    const first = await render('tree', source, undefined);
    if (!first.ok) throw new Error(`the base package set does not render:\n${first.results.join('\n')}`);
    base = first.items;
  }
  return cloneItems(base);
}

function addressesOf(items: readonly Doc[], m: ModelInterface): string[] {
  return items
    .filter((o) => o.kind === 'IPClaim' && dirOf(o) === m.dir && o.metadata.annotations?.['netpipe.dev/interface'] === `${m.namespace}/${m.name}`)
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))
    .map((o) => o.status?.prefix as string)
    .filter(Boolean);
}

function vlanOf(items: readonly Doc[], m: ModelInterface): string | undefined {
  const claim = items.find((o) => o.kind === 'VLANClaim' && dirOf(o) === m.dir && o.metadata.annotations?.['netpipe.dev/interface'] === `${m.namespace}/${m.name}`);
  return claim?.status?.vlanID === undefined ? undefined : String(claim.status.vlanID);
}

/** The master interface in the Interface's generated NAD (`<host NIC>.<VLAN ID>` for a VLAN). */
function masterOf(items: readonly Doc[], m: ModelInterface): string | undefined {
  const nad = items.find((o) => o.kind === 'NetworkAttachmentDefinition' && dirOf(o) === m.dir && o.metadata.annotations?.['netpipe.dev/interface'] === `${m.namespace}/${m.name}`);
  if (typeof nad?.spec?.config !== 'string') return undefined;
  const config = JSON.parse(nad.spec.config) as { master?: string; plugins?: Array<{ master?: string }> };
  return config.master ?? config.plugins?.find((p) => p.master !== undefined)?.master;
}

interface Before {
  addresses: Map<number, string[]>;
  vlans: Map<number, string | undefined>;
}

function snapshot(items: readonly Doc[], model: readonly ModelInterface[]): Before {
  const live = model.filter((m) => !m.removed);
  return { addresses: new Map(live.map((m) => [m.id, addressesOf(items, m)])), vlans: new Map(live.map((m) => [m.id, vlanOf(items, m)])) };
}

/** What is wrong with a successful render, as sentences (none: all checks hold). */
export function violations(items: readonly Doc[], model: readonly ModelInterface[], before: Before, results: readonly string[]): string[] {
  const out: string[] = [];
  const said = (...words: string[]): boolean => results.some((r) => words.every((w) => word(w).test(r)));
  for (const m of model) {
    const deployment = items.find((o) => isDeployment(o) && dirOf(o) === m.dir);
    const entries = deployment ? entriesOf(deployment) : [];
    const old = before.addresses.get(m.id) ?? [];
    const who = `Interface ${m.namespace}/${m.name} in ${m.dir}`;
    if (m.removed) {
      if (entries.some((e) => e.interface === m.name && (e.ips ?? []).join() === old.join())) out.push(`${who} was removed but its entry stays`);
      for (const a of old) if (!said(ipOf(a))) out.push(`${who} was removed and no result names its released address ${a}`);
      continue;
    }
    const now = addressesOf(items, m);
    const mine = entries.filter((e) => e.interface === m.name);
    if (mine.length !== 1) out.push(`${who}: ${mine.length} entries in its workload's ${'k8s.v1.cni.cncf.io/networks'}, expected 1`);
    else if ((mine[0].ips ?? []).join() !== now.join()) out.push(`${who}: entry ips ${JSON.stringify(mine[0].ips ?? [])}, its claims hold ${JSON.stringify(now)}`);
    if (old.length > 0 && old.join() !== now.join()) {
      old.forEach((o, i) => {
        const n = now[i];
        if (n === undefined || n === o) return;
        if (ipOf(n) === ipOf(o) ? !results.some((r) => r.includes(`/${lengthOf(o)} -> /${lengthOf(n)}`)) : !said(ipOf(o), ipOf(n))) out.push(`${who}: ${o} -> ${n} and no result names both`);
      });
    }
    const vOld = before.vlans.get(m.id);
    const vNow = vlanOf(items, m);
    if (vOld !== undefined && vNow !== undefined && vOld !== vNow && !said(vOld, vNow)) out.push(`${who}: VLAN ${vOld} -> ${vNow} and no result names both`);
    const master = masterOf(items, m);
    if (vNow !== undefined && master !== undefined && !master.endsWith(`.${vNow}`)) out.push(`${who}: VLAN ${vNow}, its NAD's master is ${master}`);
  }
  const held = new Map<string, string>();
  for (const o of items) {
    if (o.kind !== 'IPClaim' || !o.status?.prefix) continue;
    const key = `${o.spec?.networkInstance?.name} ${ipOf(String(o.status.prefix))}`;
    const holder = `${dirOf(o)} ${o.metadata.namespace}/${o.metadata.name}`;
    if (held.has(key)) out.push(`address ${key} held twice: ${held.get(key)} and ${holder}`);
    held.set(key, holder);
  }
  const vlans = new Map<string, string>();
  for (const o of items) {
    if (o.kind !== 'VLANClaim' || o.status?.vlanID === undefined) continue;
    const key = `${o.spec?.vlanIndex?.name} ${String(o.status.vlanID)}`;
    const domain = String(o.metadata.annotations?.['specializer.nephio.org/vlanClaimName'] ?? `${o.metadata.namespace}/${o.metadata.name}`);
    if (vlans.has(key) && vlans.get(key) !== domain) out.push(`VLAN index/ID ${key} held by two bridge domains: ${vlans.get(key)} and ${domain}`);
    vlans.set(key, domain);
  }
  return out;
}

function outcomeProblems(expected: Expectation, rendered: Rendered, ledgerMode: boolean): string[] {
  const errors = rendered.results.filter((r) => (JSON.parse(r) as { severity?: string }).severity === 'error');
  if (expected.outcome === 'ok') return rendered.ok ? [] : [`the render failed:\n  ${errors.join('\n  ')}`];
  if (rendered.ok) return expected.outcome === 'error' ? [`the render succeeded, expected an error naming ${expected.names.map((g) => g.join(' ')).join('; ')}`] : [];
  // A package rendered on its own sees its own files only, by their path inside the package.
  const inPackage = (n: string): string => (ledgerMode && n.includes('/') ? n.slice(n.indexOf('/') + 1) : n);
  return expected.names
    .map((group) => group.map(inPackage))
    .filter((group) => !errors.some((r) => group.every((n) => r.includes(n))))
    .map((group) => `no error names all of ${group.join(', ')}:\n  ${errors.join('\n  ')}`);
}

/**
 * What a render package by package with the ledger must do where it differs from a whole-tree
 * render. A pool edited to another length is a new pool: the networks package's render replaces
 * the published one only when nothing is held in it (withdrawal), and otherwise is refused naming
 * the network instance; a cut-off explicit gateway makes the pool itself invalid, said first
 * either way. An overlapping second networks package is refused by its own render, which sees its
 * own file only.
 */
function inLedger(edit: Edit, applied: Applied): Expectation {
  if (applied.resized !== undefined) {
    if (applied.resizedHeld) return { outcome: 'error', names: [[applied.resized]] };
    return applied.resizedCutsExplicit ? { outcome: 'either', names: [[applied.resized]] } : { outcome: 'ok' };
  }
  if (edit.kind === 'addNetworks' && applied.expect.outcome === 'error') {
    const file = applied.expect.names[0][0];
    return { outcome: 'error', names: [[file.slice(file.indexOf('/') + 1)]] };
  }
  return applied.expect;
}

export class SequenceFailure extends Error {
  constructor(
    message: string,
    readonly shortest: Sequence,
  ) {
    super(message);
  }
}

/** Replays `sequence` from the base package set; throws a SequenceFailure at the first broken check. */
export async function replay(sequence: Sequence, ledger?: Ledger): Promise<void> {
  let items = await baseTree();
  let model = modelOf(items);
  const fail = (step: number, problems: readonly string[]): never => {
    const edit = step < 0 ? 'the first render' : `edit ${step + 1} ${JSON.stringify(sequence.edits[step])}`;
    const shortest: Sequence = { mode: sequence.mode, edits: sequence.edits.slice(0, step + 1) };
    throw new SequenceFailure(`${sequence.mode} mode, ${edit}:\n- ${problems.join('\n- ')}\nreplay: ${JSON.stringify(shortest)}`, shortest);
  };
  const rerender = async (step: number, rendered: Rendered): Promise<void> => {
    // The four steps were compared with netpipe-fn on this input already: netpipe-fn re-renders.
    const again = await render(sequence.mode === 'four' ? 'tree' : sequence.mode, rendered.items, ledger);
    if (!again.ok || toResourceList(again.items) !== toResourceList(rendered.items)) fail(step, [`a re-render changed the tree${again.ok ? '' : `: ${again.results.join('\n  ')}`}`]);
  };
  if (sequence.mode === 'ledger') {
    // The tree as Git holds it, rendered package by package: the ledger adopts every recorded claim.
    const before = snapshot(items, model);
    const first = await render('ledger', items, ledger);
    const problems = [...first.problems, ...(first.ok ? violations(first.items, model, before, first.results) : [`the render failed:\n  ${first.results.join('\n  ')}`])];
    if (problems.length > 0) fail(-1, problems);
    await rerender(-1, first);
    items = first.items;
  }
  for (const [step, edit] of sequence.edits.entries()) {
    const keptItems = cloneItems(items);
    const keptModel = cloneModel(model);
    const before = snapshot(items, model);
    const edited = applyEdit(items, model, edit, step);
    const rendered = await render(sequence.mode, edited.items, ledger);
    const expected = sequence.mode === 'ledger' ? inLedger(edit, edited) : edited.expect;
    const problems = [...rendered.problems, ...outcomeProblems(expected, rendered, sequence.mode === 'ledger')];
    if (rendered.ok) problems.push(...violations(rendered.items, model, before, rendered.results));
    if (problems.length > 0) fail(step, problems);
    if (!rendered.ok) {
      // kpt wrote nothing; the user undoes the edit.
      items = keptItems;
      model = keptModel;
      continue;
    }
    await rerender(step, rendered);
    items = rendered.items;
    model = model.filter((m) => !m.removed);
  }
}
