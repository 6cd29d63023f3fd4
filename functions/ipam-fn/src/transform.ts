import {
  applyConditions,
  fileNameProblem,
  isNetworkInstance,
  resourceNameProblem,
  claimBinding,
  fileLabel,
  warningFor,
  CLAIM_CONDITION_PREFIX,
  claimConditions,
  claimedPrefix,

  collectPools,
  errorFor,
  FROM_INTERFACE,
  getAnnotation,
  IPClaim,
  isIPClaim,
  isKptfile,
  isObject,
  KubeObject,
  nameOf,
  namespaceOf,
  packagePathOf,
  poolMatches,
  InvalidPool,
  PoolSource,
  PrefixKind,
  ResourceList,
  Result,
  scalarText,
  stringMap,
  TransformOutput,
  validateResource,
  byKey,
  isGetClaim,
  withReadinessGate,
  generatedFileName,
} from '../../lib/src';
import { networkInstanceCopies } from './network-instance-copies';
import { AddressSpace, createAddressSpace } from '../../lib/src/ipam';
import type { IpamLedgerHooks } from '../../lib/src/ledger/ipam-hooks';
import { cursorPlacement, isCursor, networkInstanceOfCursor, readCursor, writeCursor } from '../../lib/src/allocation-cursors';
import { resolveGetClaims } from './get-claims';
import { carveNetworkSubnets, SUBNET_LENGTH_KEYS } from './network-aggregates';
import { allocatePrefixClaims, ClaimStatus, PrefixClaimWork, prefixClaimKind, prefixClaimWork, reservePrefixClaims } from './prefix-claims';
import { allocateVlans, VLAN_RANGE_KEY } from './vlans';
import { rewrittenPrefix, withBound } from './bound-marker';
import { sharedIndexWarnings } from './shared-vlan-indexes';
import { summarized } from '../../lib/src/summary';
import { ipamSummary } from './summary';
import type { NetworkPrefix } from '../../lib/src/networks';
import { parseAddressWithLength } from '../../lib/src/ipam/address';
import { clusterOfClaim } from '../../lib/src/claim-binding';
import { routeDestinations, ROUTES_ANNOTATION } from '../../lib/src/routes';

/**
 * The ConfigMap keys ipam-fn reads (besides pools, its functionConfig may carry them: subnet
 * lengths, the default VLAN range); netpipe-fn routes these keys of its combined config here.
 */
export const IPAM_FN_CONFIG_KEYS: readonly string[] = [...SUBNET_LENGTH_KEYS, VLAN_RANGE_KEY];

interface ClaimWork {
  claim: IPClaim;
  /** The claim's identity (claimBinding): what the allocator and a ledger record as the holder. */
  owner: string;
  /** How messages name the claim: namespace/name, and its package when the render spans several. */
  label: string;
  ni: string;
  poolIds: string[];
  /** Claims from one Interface are allocated together (dual-stack: both families or neither). */
  group: string;
}


/** `ns/name`, plus the package when the render spans several, relative to the render's root. */
function ownerLabel(claim: IPClaim, root: string): string {
  const pkg = packagePathOf(claim);
  const rel = pkg === root ? '' : pkg.startsWith(`${root}/`) ? pkg.slice(root.length + 1) : pkg;
  const ns = namespaceOf(claim);
  return `IPClaim ${ns ? `${ns}/` : ''}${nameOf(claim)}${rel ? ` in package ${rel}` : ''}`;
}

function selectorOf(claim: IPClaim): Record<string, string> {
  return stringMap(isObject(claim.spec.selector) ? claim.spec.selector.matchLabels : undefined);
}

/** The candidate pools of a claim, most specific first (a cluster's own subnet before a shared one). */
function candidatePools(claim: IPClaim, pools: readonly PoolSource[], kind: PrefixKind = 'network'): string[] {
  const selector = selectorOf(claim);
  return pools
    .filter((p) => p.networkInstance === claim.spec.networkInstance.name && p.kind === kind)
    .map((p) => ({ p, score: poolMatches(p, selector) }))
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

/**
 * With `ledger`, the address spaces are the shared ledger's (see lib/src/ledger): pools published
 * there join the render's, and next-fit cursors live in the ledger,
 * so the Git cursor resources are neither read nor written.
 */
export function ipamFn(input: ResourceList, ledger?: IpamLedgerHooks): TransformOutput {
  const { items } = input;
  const results: Result[] = [];
  const ownCollected = collectPools(items, input.functionConfig);
  const collected = ledger ? { ...ownCollected, pools: [...ownCollected.pools, ...ledger.extraPools] } : ownCollected;
  results.push(...collected.results);
  const root = items.filter(isKptfile).map(packagePathOf).sort((a, b) => a.length - b.length)[0] ?? '';
  // Per-cluster subnets carved from Network aggregates join the pools like any recorded subnet.
  const carving = carveNetworkSubnets(items, input.functionConfig, collected.pools, results, ledger?.subnets);

  // One address space per network instance, over every package the render sees.
  const spaces = new Map<string, AddressSpace>();
  const spaceOf = (ni: string): AddressSpace => {
    let s = spaces.get(ni);
    if (!s) spaces.set(ni, (s = ledger ? ledger.space(ni) : createAddressSpace(ni)));
    return s;
  };
  const poolsSorted = [...collected.pools].sort(byKey((p) => `${p.networkInstance}|${p.pool.id}`));
  const checkedNames = new Set<string>();
  const refused = new Set<PoolSource>();
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
    const added = spaceOf(p.networkInstance).addPool(p.pool);
    if (!added.ok) {
      results.push(errorFor(p.definedBy, added.error.message, `${p.field}.prefix`, p.pool.id));
      refused.add(p);
    }
  }
  // A refused pool is reported once, on its own file: claims look only at the pools that were
  // added, so no claim gets a second error for the same cause (and one with no pool left says why).
  const usable = collected.pools.filter((p) => !refused.has(p));
  results.push(...sharedPrefixWarnings(poolsSorted), ...networkInstanceCopies(items));
  const cursorItems = ledger ? [] : items.filter(isCursor).sort(byKey((o) => `${packagePathOf(o).length.toString().padStart(6, '0')}|${packagePathOf(o)}`));
  const cursorOf = new Map<string, KubeObject>();
  for (const c of cursorItems) {
    const ni = networkInstanceOfCursor(c);
    if (cursorOf.has(ni)) continue;
    cursorOf.set(ni, c);
    const read = readCursor(c);
    for (const problem of read.problems) results.push(errorFor(c, `AllocationCursor ${nameOf(c)}: ${problem.message}`, problem.field));
    if (read.problems.length > 0) continue;
    const imported = spaceOf(ni).importState(read.state);
    if (!imported.ok) results.push(errorFor(c, `${imported.error.message}: fix or delete status.cursors`, 'status.cursors'));
  }

  const work: ClaimWork[] = [];
  const prefixWork: PrefixClaimWork[] = [];
  const getClaims: IPClaim[] = [];
  const claims = items.filter(isIPClaim);
  // Claims whose rewritten status spec.prefix overrides: said once, not again as a move.
  const saidRewritten = new Set<IPClaim>();
  for (const claim of claims) {
    const errors = validateResource(claim);
    if (errors.length > 0) {
      results.push(...errors);
      continue;
    }
    // A get claim reads the address of the claim it names and never holds one itself.
    if (isGetClaim(claim)) {
      getClaims.push(claim);
      continue;
    }
    // A recorded address other than the one ipam-fn bound was written by someone else: never
    // take it as the binding. spec.prefix, when set, is the binding (and the rewrite is said).
    const rewritten = rewrittenPrefix(claim, claimedPrefix(claim), scalarText(claim.spec.prefix));
    if (rewritten) {
      results.push(rewritten);
      if (rewritten.severity === 'error') continue;
      saidRewritten.add(claim);
    }
    const prefixKind = prefixClaimKind(claim);
    if (prefixKind !== undefined) {
      const pw = prefixClaimWork(claim, prefixKind, claimBinding(claim), ownerLabel(claim, root), candidatePools(claim, usable, prefixKind), results);
      if (pw) prefixWork.push(pw);
      continue;
    }
    const kind = scalarText(claim.spec.kind) ?? 'network';
    if (kind !== 'network') {
      results.push(errorFor(claim, `IPClaim ${nameOf(claim)}: spec.kind ${kind} is not supported; the kinds are network, pool and loopback`, 'spec.kind', kind));
      continue;
    }
    const ni = claim.spec.networkInstance.name;
    const poolIds = candidatePools(claim, usable);
    const group = `${packagePathOf(claim)}|${getAnnotation(claim, FROM_INTERFACE) ?? `claim:${namespaceOf(claim)}/${nameOf(claim)}`}`;
    work.push({ claim, owner: claimBinding(claim), label: ownerLabel(claim, root), ni, poolIds, group });
  }
  work.sort(byKey((w) => `${w.ni}|${w.group}|${w.owner}`));
  prefixWork.sort(byKey((w) => `${w.ni}|${w.owner}`));

  // One identity, one claim: the same cluster/namespace/name in two packages would be two pods'
  // claims on one name (and one NAD name in one namespace of the cluster).
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
  const human = (message: string): string => humanize(message, work);

  const allocated = new Map<IPClaim, ClaimStatus>();
  const resized = new Map<string, Resized[]>();
  // A pool one of whose recorded addresses it no longer holds gets no "changed size" note.
  const unresizable = new Set<string>();
  const pending: ClaimWork[] = [];
  // First every address already recorded, then the ones users choose (spec.prefix), so nothing
  // that exists moves and a claim asking for a held address is the one told.
  const recordedFirst = work
    .filter((w) => !colliding.has(w))
    .map((w) => ({ w, chosen: scalarText(w.claim.spec.prefix), recorded: claimedPrefix(w.claim) }))
    .sort((a, b) => Number(asks(a.chosen, a.recorded)) - Number(asks(b.chosen, b.recorded)));
  for (const { w, chosen, recorded } of recordedFirst) {
    const space = spaceOf(w.ni);
    const address = chosen ?? recorded;
    if (address === undefined) {
      pending.push(w);
      continue;
    }
    const field = chosen !== undefined ? 'spec.prefix' : 'status.prefix';
    if (w.poolIds.length === 0) {
      results.push(noPoolError(w, usable, refused, collected.invalid, ledger !== undefined));
      continue;
    }
    const r = space.reserve(w.owner, address, w.poolIds);
    if (!r.ok) {
      const message =
        chosen !== undefined && r.error.code === 'outside-pools'
          ? `${w.label}: spec.prefix ${address} is outside the pools this claim may use ` +
            `(${w.poolIds.join(', ')} of network instance ${w.ni}); choose an address inside one of them`
          : chosen !== undefined && asks(chosen, recorded) && r.error.code === 'address-conflict'
            ? `${w.label}: spec.prefix asks for ${address}, which ${human(`"${r.error.owners?.[0] ?? ''}"`)} already holds; ` +
              `choose another address (or remove spec.prefix to get a free one)`
            : withOwner(w.label, human(r.error.message)) + shrunkBelow(recorded, chosen, r.error.pools);
      results.push(errorFor(w.claim, message, field, address));
      for (const pool of r.error.pools ?? []) unresizable.add(pool);
      continue;
    }
    if (chosen !== undefined && recorded !== undefined && asks(chosen, recorded) && !saidRewritten.has(w.claim)) {
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
    allocated.set(w.claim, r.value);
  }
  for (const pool of unresizable) resized.delete(pool);
  results.push(...resizeResults(resized));

  const pendingPrefixes = reservePrefixClaims(prefixWork, spaceOf, results, allocated);

  // Then the new ones, an Interface's claims together.
  const groups = new Map<string, ClaimWork[]>();
  for (const w of pending) groups.set(w.group, [...(groups.get(w.group) ?? []), w]);
  for (const members of groups.values()) {
    const missing = members.filter((w) => w.poolIds.length === 0);
    if (missing.length > 0) {
      for (const w of missing) results.push(noPoolError(w, usable, refused, collected.invalid, ledger !== undefined));
      continue;
    }
    const space = spaceOf(members[0].ni);
    const sameSpace = members.every((w) => w.ni === members[0].ni);
    const r = sameSpace
      ? space.allocateMany(members.map((w) => ({ owner: w.owner, poolIds: w.poolIds })))
      : undefined;
    if (!r || !r.ok) {
      const message = r && !r.ok ? r.error.message : 'the claims of one Interface name different network instances';
      for (const w of members) {
        results.push(errorFor(w.claim, withOwner(w.label, human(message)), 'spec.selector.matchLabels'));
      }
      continue;
    }
    r.value.forEach((alloc, i) => allocated.set(members[i].claim, alloc));
  }
  allocatePrefixClaims(pendingPrefixes, spaceOf, results, allocated);
  resolveGetClaims(getClaims, claims, allocated, results, ledger ? (ni) => ledger.holdings(ni) : undefined);

  const routesOf = routeLister(carving.aggregates, carving.items, collected.pools, ledger !== undefined);
  let out = items.map((o) => {
    if (!isIPClaim(o)) return o;
    const alloc = allocated.get(o);
    if (!alloc) return o;
    // A get claim holds nothing: its status is a copy, re-read every render.
    return isGetClaim(o) ? withStatus(o, alloc) : withRoutes(withBound(withStatus(o, alloc), alloc.prefix), routesOf(o, alloc));
  });

  // Persist next-fit cursors of the network instances that have any.
  const fresh: KubeObject[] = [];
  const updatedCursor = new Map<KubeObject, KubeObject>();
  for (const [ni, space] of ledger ? [] : [...spaces.entries()].sort(byKey(([n]) => n))) {
    const state = { ...space.exportState(), ...carving.cursors.get(ni) };
    const existing = cursorOf.get(ni);
    if (Object.keys(state).length === 0 && !existing) continue;
    const placement = cursorPlacement(ni, collected.pools, items, input.functionConfig);
    const next = writeCursor(ni, state, existing, placement);
    if (existing) updatedCursor.set(existing, next);
    else fresh.push(next);
  }
  out = out.map((o) => updatedCursor.get(o) ?? o);
  out.push(...carving.items, ...fresh);

  out = applyConditions(out, CLAIM_CONDITION_PREFIX, claimConditions(out));
  const rootKptfile = items.filter(isKptfile).find((k) => packagePathOf(k) === root);
  const vlans = allocateVlans(out, input.functionConfig, rootKptfile, undefined, ledger?.vlans);
  results.push(...vlans.results, ...sharedIndexWarnings(items, ledger !== undefined));
  return summarized('ipam-fn', items, { items: withReadinessGate(vlans.items), results }, ipamSummary);
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

/** The allocator names holders by identity (`"cluster/ns/name"`); messages name claims as users see them. */
function humanize(message: string, work: readonly ClaimWork[]): string {
  let out = message;
  for (const w of work) if (out.includes(`"${w.owner}"`)) out = out.split(`"${w.owner}"`).join(`"${w.label}"`);
  return out;
}

/** Prefixes the claim unless the allocator's message names it already. */
function withOwner(owner: string, message: string): string {
  return message.includes(owner) ? message : `${owner}: ${message}`;
}

function noPoolError(w: ClaimWork, pools: readonly PoolSource[], refused: ReadonlySet<PoolSource>, invalid: readonly InvalidPool[], withLedger: boolean): Result {
  const inNi = pools.filter((p) => p.networkInstance === w.ni && p.kind === 'network');
  const selector = Object.entries(selectorOf(w.claim)).map(([k, v]) => `${k}=${v}`).join(', ');
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
    ...[...refused].filter((p) => p.networkInstance === w.ni).map((p) => `${p.pool.id} in ${fileLabel(p.definedBy)}`),
    ...invalid.filter((p) => p.networkInstance === w.ni).map((p) => `${p.prefix} in ${fileLabel(p.definedBy)}`),
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
 * Why a recorded address stopped fitting when its pool was edited to another length: said in the
 * error, so the user sees the edit (not the claim) is what to undo.
 */
function shrunkBelow(recorded: string | undefined, chosen: string | undefined, pools: readonly string[] | undefined): string {
  if (chosen !== undefined || recorded === undefined || !recorded.includes('/')) return '';
  const length = recorded.slice(recorded.indexOf('/'));
  const now = (pools ?? []).filter((p) => p.includes('/') && p.slice(p.indexOf('/')) !== length);
  if (now.length === 0 || now.length !== (pools ?? []).length) return '';
  return ` (the claim was allocated as ${recorded}: the pool ${now.join(', ')} was resized below this address; widen it back to keep it)`;
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
): (claim: IPClaim, alloc: ClaimStatus) => readonly string[] {
  const carvedPools = collectPools(carved).pools;
  const all = withLedger || carvedPools.length > 0 ? [...pools, ...carvedPools] : pools;
  return (claim, alloc) => {
    if ((claim.spec.kind ?? 'network') !== 'network' || !alloc.gateway) return [];
    const parsed = parseAddressWithLength(alloc.prefix);
    if (!parsed.ok) return [];
    const q = { networkInstance: claim.spec.networkInstance.name, family: parsed.value.family, value: parsed.value.value, cluster: clusterOfClaim(claim) };
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
