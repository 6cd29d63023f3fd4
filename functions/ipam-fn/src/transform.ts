import {
  applyConditions,
  byKey,
  CLAIM_CONDITION_PREFIX,
  claimConditions,
  collectPools,
  errorFor,
  fileLabel,
  fileNameProblem,
  generatedFileName,
  getAnnotation,
  InvalidPool,
  IPClaim,
  isIPClaim,
  isKptfile,
  isNetworkInstance,
  isObject,
  KubeObject,
  nameOf,
  packagePathOf,
  poolMatches,
  PoolSource,
  PrefixKind,
  ResourceList,
  resourceNameProblem,
  Result,
  TransformOutput,
  warningFor,
  withReadinessGate,
} from '../../lib/src';
import { networkInstanceCopies } from './network-instance-copies';
import { AddressSpace, createAddressSpace } from '../../lib/src/ipam';
import type { IpamLedgerHooks } from '../../lib/src/ledger/ipam-hooks';
import { cursorPlacement, isCursor, networkInstanceOfCursor, readCursor, writeCursor } from '../../lib/src/allocation-cursors';
import { resolveGetClaims } from './get-claims';
import { CarvedNetworkSubnets, carveNetworkSubnets } from './network-aggregates';
import { allocatePrefixClaims, ClaimStatus, PrefixClaimWork, prefixClaimKind, prefixClaimWork, reservePrefixClaims } from './prefix-claims';
import { allocateVlans } from './vlans';
import { rewrittenPrefix, withBound } from './bound-marker';
import { sharedIndexWarnings } from './shared-vlan-indexes';
import { summarized } from '../../lib/src/summary';
import { ipamSummary } from './summary';
import type { NetworkPrefix } from '../../lib/src/networks';
import { parseAddressWithLength } from '../../lib/src/ipam/address';
import { routeDestinations, ROUTES_ANNOTATION } from '../../lib/src/routes';
import { CheckedClaim, checkClaims, ClaimCheck, renderRoot } from './checked-claims';
import { claimErrorText, claimProblemText, HolderLabels, reserveErrorText } from './claim-errors';

/** A network claim with the pools it may draw from, most specific first. */
interface ClaimWork extends CheckedClaim {
  readonly poolIds: string[];
}

/** The candidate pools of a claim, most specific first (a cluster's own subnet before a shared one). */
function candidatePools(c: CheckedClaim, pools: readonly PoolSource[], kind: PrefixKind = 'network'): string[] {
  return pools
    .filter((p) => p.networkInstance === c.ni && p.kind === kind)
    .map((p) => ({ p, score: poolMatches(p, c.selector) }))
    .filter((x): x is { p: PoolSource; score: number } => x.score !== undefined)
    .sort((a, b) => b.score - a.score || (a.p.pool.id < b.p.pool.id ? -1 : a.p.pool.id > b.p.pool.id ? 1 : 0))
    .map((x) => x.p.pool.id);
}

function withStatus(claim: IPClaim, alloc: ClaimStatus): IPClaim {
  const status: Record<string, unknown> = isObject(claim.status) ? { ...claim.status } : {};
  status.prefix = alloc.prefix;
  if (alloc.gateway) status.gateway = alloc.gateway;
  else delete status.gateway;
  const next: IPClaim = { ...claim, status: status as IPClaim['status'] };
  return JSON.stringify(next) === JSON.stringify(claim) ? claim : next;
}

/** One ipam-fn run: its inputs, read once, and what the steps below build from them in turn. */
interface IpamRun {
  readonly items: readonly KubeObject[];
  readonly functionConfig: KubeObject | undefined;
  readonly ledger: IpamLedgerHooks | undefined;
  /** The render's root package: claim labels name packages relative to it. */
  readonly root: string;
  readonly results: Result[];
  /** Every pool: the render's, the ledger's published ones and the subnets carved this run. */
  readonly pools: PoolSource[];
  readonly invalidPools: readonly InvalidPool[];
  /** Every IPClaim, in item order, checked once. */
  readonly claims: readonly ClaimCheck[];
  readonly carving: CarvedNetworkSubnets;
  /** One address space per network instance, over every package the render sees. */
  readonly spaces: Map<string, AddressSpace>;
  /** Pools their space refused (overlaps): reported once on their own file, offered to no claim. */
  readonly refused: Set<PoolSource>;
  /** Each network instance's AllocationCursor read (none with the ledger, which keeps cursors). */
  readonly cursorOf: Map<string, KubeObject>;
  /** What each claim gets in this render. */
  readonly allocated: Map<IPClaim, ClaimStatus>;
}

/** The claims of a run, sorted into what each step handles. */
interface BoundClaims {
  /** Network claims, sorted, without the ones whose identity collides. */
  readonly network: readonly ClaimWork[];
  readonly prefix: readonly PrefixClaimWork[];
  readonly gets: readonly IPClaim[];
  /** Every network claim's label, by binding: how messages name the holders. */
  readonly labels: HolderLabels;
  /** Claims whose rewritten status spec.prefix overrides: said once, not again as a move. */
  readonly saidRewritten: ReadonlySet<IPClaim>;
}

/**
 * With `ledger`, the address spaces are the shared ledger's (see lib/src/ledger): pools published
 * there join the render's, and next-fit cursors live in the ledger,
 * so the Git cursor resources are neither read nor written.
 */
export function ipamFn(input: ResourceList, ledger?: IpamLedgerHooks): TransformOutput {
  const run = readRun(input, ledger);
  const usable = addPools(run);
  importCursors(run);
  const bound = bindClaims(run, usable);
  const pending = reserveRecorded(run, bound, usable);
  const pendingPrefixes = reservePrefixClaims(bound.prefix, (ni) => spaceOf(run, ni), run.results, run.allocated);
  allocateNew(run, pending, bound.labels, usable);
  allocatePrefixClaims(pendingPrefixes, (ni) => spaceOf(run, ni), run.results, run.allocated);
  // Only claims that passed the schema can be read: an invalid one has its error and no network instance to match.
  resolveGetClaims(bound.gets, run.claims.flatMap((c) => (c.checked ? [c.claim] : [])), run.allocated, run.results, ledger ? (ni) => ledger.holdings(ni) : undefined);
  const items = writeCursors(run, writeStatuses(run));
  return summarized('ipam-fn', input.items, allocateVlanIds(run, items), ipamSummary);
}

/** The inputs, read once: pools (the ledger's too), claims, and the subnets carved for them. */
function readRun(input: ResourceList, ledger: IpamLedgerHooks | undefined): IpamRun {
  const { items, functionConfig } = input;
  const results: Result[] = [];
  const collected = collectPools(items, functionConfig);
  const pools = ledger ? [...collected.pools, ...ledger.extraPools] : collected.pools;
  results.push(...collected.results);
  const root = renderRoot(items, isKptfile);
  const claims = checkClaims(items, root);
  // Per-cluster subnets carved from Network aggregates join the pools like any recorded subnet.
  const carving = carveNetworkSubnets(items, claims, functionConfig, pools, results, ledger?.subnets);
  return {
    items,
    functionConfig,
    ledger,
    root,
    results,
    pools,
    invalidPools: collected.invalid,
    claims,
    carving,
    spaces: new Map(),
    refused: new Set(),
    cursorOf: new Map(),
    allocated: new Map(),
  };
}

function spaceOf(run: IpamRun, ni: string): AddressSpace {
  let s = run.spaces.get(ni);
  if (!s) run.spaces.set(ni, (s = run.ledger ? run.ledger.space(ni) : createAddressSpace(ni)));
  return s;
}

/** Adds every pool to its space; returns the pools claims may use (the ones not refused). */
function addPools(run: IpamRun): PoolSource[] {
  const { results } = run;
  const poolsSorted = [...run.pools].sort(byKey((p) => `${p.networkInstance}|${p.pool.id}`));
  const checkedNames = new Set<string>();
  for (const p of poolsSorted) {
    if (!checkedNames.has(p.networkInstance)) {
      checkedNames.add(p.networkInstance);
      // The network instance names the AllocationCursor and its file.
      const problem = resourceNameProblem(p.networkInstance) ?? fileNameProblem(generatedFileName('AllocationCursor', p.networkInstance));
      if (problem) {
        results.push(
          errorFor(
            p.definedBy,
            `network instance name ${p.networkInstance} cannot name its AllocationCursor: ${problem}; rename the network instance`,
            isNetworkInstance(p.definedBy) ? 'metadata.name' : 'spec.networkInstance.name',
            p.networkInstance,
          ),
        );
      }
    }
    const added = spaceOf(run, p.networkInstance).addPool(p.pool);
    if (!added.ok) {
      results.push(errorFor(p.definedBy, added.error.message, `${p.field}.prefix`, p.pool.id));
      run.refused.add(p);
    }
  }
  // A refused pool is reported once, on its own file: claims look only at the pools that were
  // added, so no claim gets a second error for the same cause (and one with no pool left says why).
  const usable = run.pools.filter((p) => !run.refused.has(p));
  results.push(...sharedPrefixWarnings(poolsSorted), ...networkInstanceCopies(run.items));
  return usable;
}

/** The next-fit cursors Git keeps, the outermost AllocationCursor of each network instance. */
function importCursors(run: IpamRun): void {
  if (run.ledger) return;
  const cursorItems = run.items.filter(isCursor).sort(byKey((o) => `${packagePathOf(o).length.toString().padStart(6, '0')}|${packagePathOf(o)}`));
  for (const c of cursorItems) {
    const ni = networkInstanceOfCursor(c);
    if (run.cursorOf.has(ni)) continue;
    run.cursorOf.set(ni, c);
    const read = readCursor(c);
    for (const problem of read.problems) run.results.push(errorFor(c, `AllocationCursor ${nameOf(c)}: ${problem.message}`, problem.field));
    if (read.problems.length > 0) continue;
    const imported = spaceOf(run, ni).importState(read.state);
    if (!imported.ok) run.results.push(errorFor(c, `${imported.error.message}: fix or delete status.cursors`, 'status.cursors'));
  }
}

/**
 * Sorts the checked claims into get, pool/loopback and network claims with their candidate
 * pools; the schema's errors, a rewritten status, an unknown kind and two claims of one identity
 * are said here, and such a claim goes no further.
 */
function bindClaims(run: IpamRun, usable: readonly PoolSource[]): BoundClaims {
  const { results } = run;
  const work: ClaimWork[] = [];
  const prefixWork: PrefixClaimWork[] = [];
  const gets: IPClaim[] = [];
  const saidRewritten = new Set<IPClaim>();
  for (const { claim, checked: c, errors } of run.claims) {
    if (c === undefined) {
      results.push(...errors);
      continue;
    }
    // A get claim reads the address of the claim it names and never holds one itself.
    if (c.get) {
      gets.push(claim);
      continue;
    }
    // A recorded address other than the one ipam-fn bound was written by someone else: never
    // take it as the binding. spec.prefix, when set, is the binding (and the rewrite is said).
    const rewritten = rewrittenPrefix(claim, c.recorded, c.chosen);
    if (rewritten) {
      results.push(rewritten);
      if (rewritten.severity === 'error') continue;
      saidRewritten.add(claim);
    }
    const prefixKind = prefixClaimKind(c);
    if (prefixKind !== undefined) {
      const pw = prefixClaimWork(c, prefixKind, candidatePools(c, usable, prefixKind), results);
      if (pw) prefixWork.push(pw);
      continue;
    }
    if (c.kind !== 'network') {
      results.push(errorFor(claim, `IPClaim ${nameOf(claim)}: spec.kind ${c.kind} is not supported; the kinds are network, pool and loopback`, 'spec.kind', c.kind));
      continue;
    }
    work.push({ ...c, poolIds: candidatePools(c, usable) });
  }
  work.sort(byKey((w) => `${w.ni}|${w.group}|${w.owner}`));
  prefixWork.sort(byKey((w) => `${w.ni}|${w.owner}`));
  const colliding = identityCollisions(work, results);
  const labels = new Map<string, string>();
  for (const w of work) if (!labels.has(w.owner)) labels.set(w.owner, w.label);
  return { network: work.filter((w) => !colliding.has(w)), prefix: prefixWork, gets, labels, saidRewritten };
}

/**
 * One identity, one claim: the same cluster/namespace/name in two packages would be two pods'
 * claims on one name (and one NAD name in one namespace of the cluster). Returns the claims that
 * collide, each told.
 */
function identityCollisions(work: readonly ClaimWork[], results: Result[]): Set<ClaimWork> {
  const byOwner = new Map<string, ClaimWork[]>();
  for (const w of work) byOwner.set(w.owner, [...(byOwner.get(w.owner) ?? []), w]);
  const colliding = new Set<ClaimWork>();
  for (const list of byOwner.values()) {
    if (list.length < 2) continue;
    for (const w of list) {
      colliding.add(w);
      const others = list.filter((x) => x !== w).map((x) => fileLabel(x.claim)).join(', ');
      results.push(
        errorFor(
          w.claim,
          `${w.label} (${fileLabel(w.claim)}) has the identity ${w.owner} (cluster/namespace/name) of another claim ` +
            `(${others}): one cluster cannot have two claims, or two NADs, of one name in one namespace. Remove one, or rename it`,
          'metadata.name',
        ),
      );
    }
  }
  return colliding;
}

/**
 * First every address already recorded, then the ones users choose (spec.prefix), so nothing
 * that exists moves and a claim asking for a held address is the one told. Returns the claims
 * that still need an address.
 */
function reserveRecorded(run: IpamRun, bound: BoundClaims, usable: readonly PoolSource[]): ClaimWork[] {
  const { results } = run;
  const resized = new Map<string, Resized[]>();
  // A pool one of whose recorded addresses it no longer holds gets no "changed size" note.
  const unresizable = new Set<string>();
  const pending: ClaimWork[] = [];
  const recordedFirst = [...bound.network].sort((a, b) => Number(asks(a.chosen, a.recorded)) - Number(asks(b.chosen, b.recorded)));
  for (const w of recordedFirst) {
    const { chosen, recorded } = w;
    const address = chosen ?? recorded;
    if (address === undefined) {
      pending.push(w);
      continue;
    }
    const field = chosen !== undefined ? 'spec.prefix' : 'status.prefix';
    if (w.poolIds.length === 0) {
      results.push(noPoolError(run, w, usable));
      continue;
    }
    const r = spaceOf(run, w.ni).reserve(w.owner, address, w.poolIds);
    if (!r.ok) {
      const failure = { subject: w, error: r.error, address, chosen, recorded, poolIds: w.poolIds, ni: w.ni, asksAnother: asks(chosen, recorded) };
      results.push(errorFor(w.claim, reserveErrorText(failure, bound.labels), field, address));
      for (const pool of r.error.pools ?? []) unresizable.add(pool);
      continue;
    }
    if (chosen !== undefined && recorded !== undefined && asks(chosen, recorded) && !bound.saidRewritten.has(w.claim)) {
      results.push(
        warningFor(
          w.claim,
          `${w.label}: its address changes from ${recorded} (status.prefix) to ${r.value.prefix} because spec.prefix asks for ` +
            `${chosen}; ${recorded} is released`,
          'spec.prefix',
          chosen,
        ),
      );
    }
    if (chosen === undefined && recorded !== undefined && recorded !== r.value.prefix) {
      const list = resized.get(r.value.poolId) ?? [];
      list.push({ w, from: recorded, to: r.value.prefix });
      resized.set(r.value.poolId, list);
    }
    run.allocated.set(w.claim, r.value);
  }
  for (const pool of unresizable) resized.delete(pool);
  results.push(...resizeResults(resized));
  return pending;
}

/** Then the new ones, an Interface's claims together. */
function allocateNew(run: IpamRun, pending: readonly ClaimWork[], labels: HolderLabels, usable: readonly PoolSource[]): void {
  const groups = new Map<string, ClaimWork[]>();
  for (const w of pending) groups.set(w.group, [...(groups.get(w.group) ?? []), w]);
  for (const members of groups.values()) {
    const missing = members.filter((w) => w.poolIds.length === 0);
    if (missing.length > 0) {
      for (const w of missing) run.results.push(noPoolError(run, w, usable));
      continue;
    }
    if (!members.every((w) => w.ni === members[0].ni)) {
      for (const w of members) run.results.push(errorFor(w.claim, claimProblemText(w, 'the claims of one Interface name different network instances'), 'spec.selector.matchLabels'));
      continue;
    }
    const r = spaceOf(run, members[0].ni).allocateMany(members.map((w) => ({ owner: w.owner, poolIds: w.poolIds })));
    if (!r.ok) {
      for (const w of members) run.results.push(errorFor(w.claim, claimErrorText(w, r.error, labels), 'spec.selector.matchLabels'));
      continue;
    }
    r.value.forEach((alloc, i) => run.allocated.set(members[i].claim, alloc));
  }
}

/** Each claim with what it got (a get claim's status is a copy, re-read every render), and the carved subnets. */
function writeStatuses(run: IpamRun): KubeObject[] {
  const checkedOf = new Map(run.claims.flatMap((c) => (c.checked ? [[c.claim, c.checked] as const] : [])));
  const routesOf = routeLister(run.carving.aggregates, run.carving.items, run.pools, run.ledger !== undefined);
  return run.items.map((o) => {
    if (!isIPClaim(o)) return o;
    const alloc = run.allocated.get(o);
    const c = checkedOf.get(o);
    if (!alloc || !c) return o;
    return c.get ? withStatus(o, alloc) : withRoutes(withBound(withStatus(o, alloc), alloc.prefix), routesOf(c, alloc));
  });
}

/** Persists the next-fit cursors of the network instances that have any; adds the carved subnets. */
function writeCursors(run: IpamRun, items: readonly KubeObject[]): KubeObject[] {
  const fresh: KubeObject[] = [];
  const updatedCursor = new Map<KubeObject, KubeObject>();
  for (const [ni, space] of run.ledger ? [] : [...run.spaces.entries()].sort(byKey(([n]) => n))) {
    const state = { ...space.exportState(), ...run.carving.cursors.get(ni) };
    const existing = run.cursorOf.get(ni);
    if (Object.keys(state).length === 0 && !existing) continue;
    const placement = cursorPlacement(ni, run.pools, run.items, run.functionConfig);
    const next = writeCursor(ni, state, existing, placement);
    if (existing) updatedCursor.set(existing, next);
    else fresh.push(next);
  }
  return [...items.map((o) => updatedCursor.get(o) ?? o), ...run.carving.items, ...fresh];
}

/** The claims' conditions, then the VLAN IDs of the VLANClaims (after addresses, as before). */
function allocateVlanIds(run: IpamRun, items: readonly KubeObject[]): TransformOutput {
  const out = applyConditions([...items], CLAIM_CONDITION_PREFIX, claimConditions(items));
  const rootKptfile = run.items.filter(isKptfile).find((k) => packagePathOf(k) === run.root);
  const vlans = allocateVlans(out, run.functionConfig, rootKptfile, undefined, run.ledger?.vlans);
  run.results.push(...vlans.results, ...sharedIndexWarnings(run.items, run.ledger !== undefined));
  return { items: withReadinessGate(vlans.items), results: run.results };
}
/**
 * The same (or an overlapping) prefix in two network instances is legal - separate VRFs may reuse
 * address space - but outside VRFs it hands one address to two pods; say so on both.
 */
function sharedPrefixWarnings(pools: readonly PoolSource[]): Result[] {
  const results: Result[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const list = pools.filter((p) => p.pool.family === family).sort((a, b) => (a.pool.network < b.pool.network ? -1 : a.pool.network > b.pool.network ? 1 : 0));
    // Sweep: the pool reaching furthest so far is the one a later pool can overlap.
    let reach: PoolSource | undefined;
    for (const p of list) {
      if (reach && p.pool.network <= reach.pool.lastAddress && reach.networkInstance !== p.networkInstance) {
        for (const [self, other] of [[p, reach], [reach, p]] as const) {
          results.push(
            warningFor(
              self.definedBy,
              `prefix ${self.pool.id} of network instance ${self.networkInstance} overlaps ${other.pool.id} of network instance ` +
                `${other.networkInstance} (${other.definedBy.kind} ${nameOf(other.definedBy)}): fine for separate VRFs, but pods of ` +
                `the two may get the same address - use distinct prefixes unless they are separate routing domains`,
              `${self.field}.prefix`,
              self.pool.id,
            ),
          );
        }
      }
      if (!reach || p.pool.lastAddress > reach.pool.lastAddress) reach = p;
    }
  }
  return results;
}

/** True when spec.prefix asks for another address than the one recorded in status.prefix. */
function asks(chosen: string | undefined, recorded: string | undefined): boolean {
  if (chosen === undefined || recorded === undefined) return chosen !== undefined;
  return chosen.split('/')[0] !== recorded.split('/')[0];
}

function noPoolError(run: IpamRun, w: ClaimWork, pools: readonly PoolSource[]): Result {
  const withLedger = run.ledger !== undefined;
  const inNi = pools.filter((p) => p.networkInstance === w.ni && p.kind === 'network');
  const selector = Object.entries(w.selector).map(([k, v]) => `${k}=${v}`).join(', ');
  // A Nephio NF package names a Network that its management package holds: both ways out.
  const network = withLedger
    ? `; or render the package that holds Network ${w.ni} (its routing table ${w.ni}) with this shared ledger first, which publishes its aggregates for every package`
    : `; or add a copy of Network ${w.ni} (its routing table ${w.ni}) to this package, or configure the shared ledger (ledgerEndpoints) into which the package holding the Networks publishes them`;
  const message =
    inNi.length === 0
      ? `${w.label}: network instance ${w.ni} has no pools${withLedger ? ' here nor in the shared ledger' : ''}: add a NetworkInstance ${w.ni} with spec.prefixes, or an IPPrefix for it${network}`
      : `${w.label}: no prefix of network instance ${w.ni} matches the selector (${selector}); ` +
        `prefixes seen: ${inNi.map((p) => `${p.pool.id} ${JSON.stringify(p.labels)}`).join('; ')}. ` +
        `Add a prefix of that family whose labels agree, or fix the claim's selector`;
  // Pools refused as overlapping and pools whose definition is invalid (a shrink that cut off
  // the gateway or an exclusion): either way the claim's error points at the pool's file.
  const lost = [
    ...[...run.refused].filter((p) => p.networkInstance === w.ni).map((p) => `${p.pool.id} in ${fileLabel(p.definedBy)}`),
    ...run.invalidPools.filter((p) => p.networkInstance === w.ni).map((p) => `${p.prefix} in ${fileLabel(p.definedBy)}`),
  ];
  const cause = lost.length === 0 ? '' : ` (refused, see the error on each: ${lost.join(', ')})`;
  return errorFor(w.claim, `${message}${cause}`, 'spec.selector.matchLabels');
}


interface Resized {
  readonly w: ClaimWork;
  readonly from: string;
  readonly to: string;
}

/**
 * One warning per pool that was widened or shrunk in place with every recorded address still
 * valid: the addresses stay, only their prefix length follows the pool (and with it each NAD and
 * annotation), which running pods only see once they restart.
 */
function resizeResults(resized: ReadonlyMap<string, readonly Resized[]>): Result[] {
  const out: Result[] = [];
  for (const [pool, list] of [...resized].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const sorted = [...list].sort(byKey((r) => r.w.owner));
    const first = sorted[0];
    const fromLength = first.from.slice(first.from.indexOf('/'));
    const toLength = first.to.slice(first.to.indexOf('/'));
    const shown = sorted.slice(0, 5).map((r) => `${r.w.label} ${r.from} -> ${r.to}`).join(', ');
    const more = sorted.length > 5 ? ` and ${sorted.length - 5} more` : '';
    out.push(
      warningFor(
        first.w.claim,
        `pool ${pool} of network instance ${first.w.ni} changed size (${fromLength} -> ${toLength}) with every recorded address ` +
          `still inside: ${sorted.length} claim(s) keep their address with the new prefix length (${shown}${more}); their NADs and ` +
          `Multus annotations follow, and running pods get the new mask when they restart`,
        'status.prefix',
        first.from,
      ),
    );
  }
  return out;
}

/**
 * The route list of each bound network claim, from every pool of its network instance this render
 * knows - its own, the carved subnets, and with the shared ledger the published ones - so nad-fn
 * writes the same routes whether the pools were in the render or only in the ledger.
 */
function routeLister(
  /** The Networks' aggregates, the render's and (with the shared ledger) the published ones. */
  aggregates: readonly NetworkPrefix[],
  carved: readonly KubeObject[],
  pools: readonly PoolSource[],
  withLedger: boolean,
): (claim: CheckedClaim, alloc: ClaimStatus) => readonly string[] {
  const carvedPools = collectPools(carved).pools;
  const all = withLedger || carvedPools.length > 0 ? [...pools, ...carvedPools] : pools;
  return (claim, alloc) => {
    if (claim.kind !== 'network' || !alloc.gateway) return [];
    const parsed = parseAddressWithLength(alloc.prefix);
    if (!parsed.ok) return [];
    const q = { networkInstance: claim.ni, family: parsed.value.family, value: parsed.value.value, cluster: claim.cluster };
    return routeDestinations(q, all, aggregates);
  };
}

/** The claim with its route list (none: the annotation is dropped), the same object when unchanged. */
function withRoutes(claim: KubeObject, routes: readonly string[]): KubeObject {
  const text = routes.join(',');
  const current = getAnnotation(claim, ROUTES_ANNOTATION);
  if ((current ?? '') === text && (current === undefined) === (text === '')) return claim;
  const annotations = { ...(claim.metadata.annotations as Record<string, string>) };
  if (text === '') delete annotations[ROUTES_ANNOTATION];
  else annotations[ROUTES_ANNOTATION] = text;
  return { ...claim, metadata: { ...claim.metadata, annotations } };
}
