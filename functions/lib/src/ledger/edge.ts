/**
 * The I/O edge of allocation against the shared ledger, usable by any function that runs the
 * ipam step (ipam-fn, netpipe-fn):
 *
 *   snapshot (only the keys this render needs) -> pure step -> more of the ledger if the step
 *   asked for it -> step again -> ONE etcd transaction guarded by the revision of every key read
 *   -> on a lost race, the same from a fresh snapshot (bounded, with jitter).
 *
 * The step is the unchanged synchronous transform; it sees the ledger only as `AddressSpace`s
 * (LedgerSpace) and a few hooks. Nothing is written when the step reports an error, and any
 * ledger failure becomes an error result naming the ledger and what to check.
 */
import { API } from '../api/types';
import { claimBinding, clusterOfClaim } from '../claim-binding';
import { isClaimLike } from './render-facts';
import { isGetClaim, lookupRecord } from '../allocation-labels';
import { byKey } from '../order';
import { isKptfile } from '../conditions';
import { isObject, KubeObject, nameOf, packagePathOf, scalarText } from '../kube/object';
import type { PoolSource } from '../pools';
import { collectPools } from '../pools';
import { collectNetworkPrefixes, NETWORK_API, NetworkPrefix } from '../networks';
import type { ResourceList } from '../resource-list';
import { generalError, hasErrors, errorFor, Result } from '../results';
import type { TransformOutput } from '../runner';
import { Pool } from '../ipam/pool';
import { parseAddress } from '../ipam/address';
import type { AddressSpace } from '../ipam/address-space';
import { ENV, LedgerConfig } from './config';
import { commit, ReadView } from './commit';
import { checkCopies, copiedStatuses, copiedStatusResults, withoutCopiedStatus } from './copies';
import { notInitialised } from './init';
import { EtcdClient, EtcdError, TxnOp } from './etcd';
import { LedgerRecordError } from './records';
import { Snapshot } from './snapshot';
import { LedgerRaceError, withdrawRemovedPools } from './withdraw';
import { chunkCount, chunkPlaceOf, chunkSize } from './chunks';
import {
  ChunkRecord,
  definitionDifference,
  definitionOf,
  LedgerKeys,
  OwnerRecord,
  PackageRecord,
  PoolDefinition,
  PoolsRecord,
  PrefixPoolRecord,
  CARVED_FROM,
  SubnetsRecord,
  withPublishers,
} from './keys';
import { ChunkState, clusterOfBinding, LedgerSpace, NiSnapshot, Want } from './space';
import { packageVlans, vlanCommit, VlanEdge, VlanFact, vlanFacts, VlanLedgerHooks } from './vlan-edge';

/** What the ipam step needs from the edge. */
export interface IpamLedgerHooks {
  /** The address space of a network instance, backed by the ledger snapshot. */
  space(ni: string): AddressSpace;
  /** Pools published in the ledger that this render does not define itself. */
  readonly extraPools: readonly PoolSource[];
  /** VLAN indexes, kept in the ledger too. */
  readonly vlans: VlanLedgerHooks;
  /** Per-cluster subnets carved out of Network aggregates. */
  readonly subnets: SubnetLedgerHooks;
  /**
   * What the claims of other packages hold on a network instance, for `nephio.org/action: get`
   * claims; undefined while it is being loaded - the step then runs again.
   */
  holdings(ni: string): readonly LedgerHolding[] | undefined;
}

/** An address a claim of another package holds, as the ledger records it. */
export interface LedgerHolding {
  readonly binding: string;
  readonly package: string;
  /** `address/length`, as `status.prefix` records it. */
  readonly prefix: string;
  readonly gateway?: string;
  /** The labels of the claim's allocation (see allocation-labels.ts). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Reads a network instance's owner records whole (a range read, not guarded: a lookup reserves
 * nothing, so a holding that changes after it was read changes nothing this render commits).
 * Claims of this render are left out: the step matches those itself.
 */
class HoldingsEdge {
  readonly wants: string[] = [];
  /** Per network instance, read once per round: every get claim of it asks again. */
  private readonly read = new Map<string, readonly LedgerHolding[]>();
  constructor(
    private readonly snap: Snapshot,
    private readonly keys: LedgerKeys,
    private readonly present: ReadonlySet<string>,
  ) {}
  holdings(ni: string): readonly LedgerHolding[] | undefined {
    const prefix = this.keys.ownerPrefix(ni);
    if (!this.snap.prefixesRead.has(prefix)) {
      this.wants.push(prefix);
      return undefined;
    }
    const known = this.read.get(ni);
    if (known) return known;
    const out: LedgerHolding[] = [];
    for (const [key, kv] of [...this.snap.kv].filter(([k, kv]) => kv && k.startsWith(prefix)).sort(byKey(([k]) => k))) {
      const parsed = this.keys.parse(key);
      if (!kv || parsed?.kind !== 'owner' || this.present.has(`${ni}|${parsed.binding}`)) continue;
      const rec = this.snap.record('owner', key);
      // Records written before owners carried labels cannot be looked up until their package renders again.
      if (!rec?.labels) continue;
      out.push({ binding: parsed.binding, package: rec.package, prefix: rec.prefix, ...(rec.gateway !== undefined ? { gateway: rec.gateway } : {}), labels: rec.labels });
    }
    this.read.set(ni, out);
    return out;
  }
}

export interface SubnetLedgerHooks {
  /**
   * The carving the ledger records for a routing table (empty when none yet); undefined while
   * it is being loaded - the step then runs again.
   */
  carved(ni: string): SubnetsRecord | undefined;
  /** The carving of a routing table after this render, recorded by the commit. */
  record(ni: string, rec: SubnetsRecord): void;
  /**
   * Network aggregates published in the ledger (by the package that holds the Networks) that this
   * render does not define itself: an NF package without a copy of the Network carves from these.
   */
  readonly published: readonly PublishedAggregate[];
}

export interface PublishedAggregate {
  readonly aggregate: NetworkPrefix;
  /** The package that published it (messages only). */
  readonly package: string;
}

class SubnetEdge implements SubnetLedgerHooks {
  readonly wants: string[] = [];
  readonly records = new Map<string, SubnetsRecord>();
  constructor(
    private readonly snap: Snapshot,
    private readonly keys: LedgerKeys,
    readonly published: readonly PublishedAggregate[],
  ) {}
  carved(ni: string): SubnetsRecord | undefined {
    const key = this.keys.subnets(ni);
    if (!this.snap.kv.has(key)) {
      this.wants.push(key);
      return undefined;
    }
    return this.snap.record('subnets', key) ?? { cursors: {}, carved: {} };
  }
  record(ni: string, rec: SubnetsRecord): void {
    this.records.set(ni, rec);
  }
}

export interface LedgerEdgeOptions {
  /** Commit attempts before giving up on contention; default 25. */
  readonly maxAttempts?: number;
  /** A client to reuse (tests, netpipe-fn); otherwise one is made from the config and closed. */
  readonly client?: EtcdClient;
  /** Name used in messages, e.g. `ipam-fn`. */
  readonly fnName?: string;
  /**
   * The rest of the render, run on the step's output before the commit (netpipe-fn's later
   * steps): when it reports an error nothing is committed, so a render that fails leaves no
   * holdings that Git never records. Run again on every attempt; what it returns is returned.
   */
  readonly then?: (out: TransformOutput) => TransformOutput;
}

const MAX_ROUNDS = 64;
/** Borrowing loads every chunk of a pool; beyond this many chunks missing ones are not offered. */
const MAX_VIRTUAL_CHUNKS = 4096n;

/** One claim the render contains, as the ledger sees it. */
interface ClaimFact {
  readonly ni: string;
  readonly binding: string;
  readonly cluster: string;
  readonly pkg: string;
}

interface RenderFacts {
  readonly claims: readonly ClaimFact[];
  readonly bindingPackage: ReadonlyMap<string, string>;
  /** Package identities of every package the render contains. */
  readonly packages: readonly string[];
  /** Clusters the render speaks for: its claims' and its WorkloadClusters'. */
  readonly clusters: ReadonlySet<string>;
  readonly nis: readonly string[];
  readonly pools: readonly PoolSource[];
  /** The aggregates of the render's Networks, published like pools. */
  readonly aggregates: readonly NetworkPrefix[];
  readonly poolResults: readonly Result[];
  readonly packageOf: (o: KubeObject) => string;
  readonly vlanClaims: readonly VlanFact[];
  /** VLAN indexes the render defines (VLANIndex resources). */
  readonly vlanIndexes: readonly string[];
}

/**
 * A package's identity in the ledger: the root Kptfile's name, then the path below the root.
 * Porch renders each package alone, so there it is the package name. (Absolute paths, which kpt
 * reports, differ between machines and clones.)
 */
function packageNamer(items: readonly KubeObject[]): (o: KubeObject) => string {
  const kptfiles = items.filter(isKptfile).sort((a, b) => packagePathOf(a).length - packagePathOf(b).length);
  const root = kptfiles[0];
  const rootPath = root ? packagePathOf(root) : '';
  const rootName = root ? nameOf(root) || 'root' : 'root';
  return (o) => {
    const p = packagePathOf(o);
    const rel = p === rootPath ? '' : p.startsWith(`${rootPath}/`) ? p.slice(rootPath.length + 1) : rootPath === '' || rootPath === '.' ? p : p;
    return rel && rel !== '.' ? `${rootName}/${rel}` : rootName;
  };
}

/** What get claims of other packages look a holding up by, per `<ni>|<binding>`. */
function lookupFacts(items: readonly KubeObject[]): Map<string, Pick<OwnerRecord, 'labels' | 'gateway'>> {
  const out = new Map<string, Pick<OwnerRecord, 'labels' | 'gateway'>>();
  for (const o of items) {
    if (!isClaimLike(o) || isGetClaim(o)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    const rec = lookupRecord(o);
    if (ni && rec) out.set(`${ni}|${claimBinding(o)}`, rec);
  }
  return out;
}

export function renderFacts(input: ResourceList): RenderFacts {
  const packageOf = packageNamer(input.items);
  const claims: ClaimFact[] = [];
  const clusters = new Set<string>();
  const nis = new Set<string>();
  for (const o of input.items) {
    if (o.kind === API.workloadCluster.kind && isObject(o.spec)) {
      const c = scalarText(o.spec.clusterName);
      if (c) clusters.add(c);
    }
    // A get claim holds nothing: it reads what others hold.
    if (!isClaimLike(o) || isGetClaim(o)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    if (!ni) continue;
    const cluster = clusterOfClaim(o);
    claims.push({ ni, binding: claimBinding(o), cluster, pkg: packageOf(o) });
    clusters.add(cluster);
    nis.add(ni);
  }
  const collected = collectPools(input.items, input.functionConfig);
  for (const p of collected.pools) nis.add(p.networkInstance);
  const aggregates = collectNetworkPrefixes(input.items).prefixes.filter((p) => p.kind === 'network');
  for (const a of aggregates) nis.add(a.networkInstance);
  const packages = [...new Set(input.items.filter(isKptfile).map(packageOf))].sort();
  const vlans = vlanFacts(input.items, input.functionConfig, packageOf);
  for (const v of vlans.claims) if (v.cluster) clusters.add(v.cluster);
  return {
    vlanClaims: vlans.claims,
    vlanIndexes: vlans.defined,
    claims,
    bindingPackage: new Map(claims.map((c) => [`${c.ni}|${c.binding}`, c.pkg])),
    packages,
    clusters,
    nis: [...nis].sort(),
    pools: collected.pools,
    aggregates,
    poolResults: collected.results,
    packageOf,
  };
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6));
  return new Promise((r) => setTimeout(r, ms));
}

/** The message for a ledger that cannot be used: which ledger, what happened, what to check. */
export function ledgerFailure(fnName: string, config: LedgerConfig, e: unknown): Result {
  const where = `the shared address ledger (etcd ${config.etcd.endpoints.join(',')}, prefix ${config.prefix})`;
  if (e instanceof LedgerRecordError) {
    return generalError(
      `${fnName}: ${where} holds a record this render cannot trust: ${e.message}. Nothing was allocated and no file changed; ` +
        'run `netpipe ledger verify` to list every bad record, then restore the key (or wipe the prefix and `netpipe ledger rebuild` from the Git packages)',
    );
  }
  if (!(e instanceof EtcdError)) return generalError(`${fnName}: ${where}: ${e instanceof Error ? e.message : String(e)}`);
  const advice: Record<EtcdError['failure'], string> = {
    unreachable:
      'check that etcd runs with quorum and that ledgerEndpoints lists its client URLs, reachable from the function (images need `kpt fn render --allow-network`)',
    auth: 'check the etcd user and password (NETPIPE_LEDGER_USERNAME / NETPIPE_LEDGER_PASSWORD or the variables the config names) and that the user may read and write the ledger prefix',
    tls: 'check the CA, client certificate and key (files: ledgerCAFile, ledgerCertFile, ledgerKeyFile or NETPIPE_LEDGER_*_FILE; PEM text: NETPIPE_LEDGER_CA, NETPIPE_LEDGER_CERT, NETPIPE_LEDGER_KEY or the variables ledgerCAEnv, ledgerCertEnv, ledgerKeyEnv name) and that the endpoints use https',
    server: 'check the etcd server log and the ledger prefix (a txn larger than etcd --max-txn-ops needs a higher limit)',
    protocol: 'check that ledgerEndpoints are etcd v3 client URLs',
  };
  return generalError(`${fnName}: ${where} cannot be used: ${e.message}. Nothing was allocated and no file changed; ${advice[e.failure]}`);
}

/**
 * Runs `step` (the ipam transform) against the ledger and commits what it allocated and released.
 * Returns the step's output, or the input items with error results.
 */
export async function withAddressLedger(
  config: LedgerConfig,
  input: ResourceList,
  step: (hooks: IpamLedgerHooks, items: KubeObject[]) => TransformOutput,
  options: LedgerEdgeOptions = {},
): Promise<TransformOutput> {
  const fnName = options.fnName ?? 'ipam-fn';
  const client = options.client ?? new EtcdClient(config.etcd);
  const keys = new LedgerKeys(config.prefix);
  const facts = renderFacts(input);
  const maxAttempts = options.maxAttempts ?? 25;
  try {
    const withdrawn = await withdrawRemovedPools(client, keys, {
      packages: facts.packages,
      defined: [
        ...facts.pools.map((p) => ({ ni: p.networkInstance, prefix: p.pool.id, definedBy: p.definedBy, field: p.field })),
        ...facts.aggregates.map((a) => ({ ni: a.networkInstance, prefix: a.pool.id, definedBy: a.definedBy, field: a.field })),
      ],
      ledgerName: `etcd ${client.describe()} prefix ${config.prefix}`,
      readOnly: config.readOnly,
    });
    if (withdrawn.errors.length > 0) return { items: input.items, results: withdrawn.errors };
    const said = (out: TransformOutput): TransformOutput => (withdrawn.notices.length > 0 ? { ...out, results: [...out.results, ...withdrawn.notices] } : out);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const r = await attemptOnce(config, client, keys, facts, input, step, fnName, options.then);
      if (r !== 'lost-race') return said(r);
      await jitter(attempt);
    }
    return said({ items: input.items, results: [contention(fnName, client, config, maxAttempts)] });
  } catch (e) {
    if (e instanceof LedgerRaceError) return { items: input.items, results: [contention(fnName, client, config, e.attempts)] };
    return { items: input.items, results: [ledgerFailure(fnName, config, e)] };
  } finally {
    if (!options.client) client.close();
  }
}

function readOnlyNotice(fnName: string, ledgerName: string): Result {
  return {
    severity: 'info',
    message: `${fnName}: ${ENV.readOnly}=1 (a preview): ${ledgerName} was read and nothing was written to it; the addresses are those a render would get now`,
  };
}

function contention(fnName: string, client: EtcdClient, config: LedgerConfig, attempts: number): Result {
  return generalError(
    `${fnName}: the shared address ledger (etcd ${client.describe()}, prefix ${config.prefix}) changed under this render ${attempts} times in a row ` +
      `(other renders of the same clusters and network instances); nothing was allocated and no file changed - render again`,
  );
}

interface PoolPlan {
  readonly errors: Result[];
  readonly extra: PoolSource[];
  /** Network instance -> pools (the render's and the published ones). */
  readonly effective: Map<string, Pool[]>;
  readonly publish: Map<string, PoolsRecord>;
  /** Aggregates published in the ledger that the render lacks. */
  readonly aggregates: PublishedAggregate[];
}

function planPools(facts: RenderFacts, snap: Snapshot, keys: LedgerKeys, ledgerName: string): PoolPlan {
  const errors: Result[] = [];
  const extra: PoolSource[] = [];
  const effective = new Map<string, Pool[]>();
  const publish = new Map<string, PoolsRecord>();
  const aggregates: PublishedAggregate[] = [];
  for (const ni of facts.nis) {
    const published = snap.record('pools', keys.pools(ni));
    const publishedById = new Map((published?.pools ?? []).map((d) => [d.prefix, d]));
    // A Network's aggregates are published with the pools, by the same rule: what is published
    // stays, a render adds what is new, and a definition that differs is refused.
    const mine = [
      ...facts.pools.filter((p) => p.networkInstance === ni).map((p) => ({ p, def: definitionOf(p.pool, p.labels, p.kind) })),
      ...facts.aggregates.filter((a) => a.networkInstance === ni).map((p) => ({ p, def: definitionOf(p.pool, p.labels, 'aggregate') })),
    ];
    const mineIds = new Set<string>();
    const added: PoolDefinition[] = [];
    const pools: Pool[] = [];
    for (const { p, def } of mine) {
      if (mineIds.has(def.prefix)) continue;
      mineIds.add(def.prefix);
      if (def.kind !== 'aggregate') pools.push(p.pool);
      // A carved subnet is recorded in the ledger's carving of its routing table, not published.
      if (p.definedBy.metadata.annotations?.[CARVED_FROM] !== undefined) continue;
      const pub = publishedById.get(def.prefix);
      if (!pub) {
        added.push(def);
        continue;
      }
      const diff = definitionDifference(pub, def);
      if (diff) {
        errors.push(
          errorFor(
            p.definedBy,
            `${p.pool.describe()} of network instance ${ni} differs from the definition published in ${ledgerName} by package ${published?.package ?? '?'}: ${diff}. ` +
              `Every render of a network instance must allocate from one definition: make this pool equal to the published one, or change the networks package and re-render it first`,
            `${p.field}.prefix`,
            p.pool.id,
          ),
        );
      }
    }
    // What its publisher no longer defines was withdrawn before this attempt (withdraw.ts), or
    // is held and stays: both were said. Another package's pool serves this render too.
    for (const def of published?.pools ?? []) {
      if (mineIds.has(def.prefix)) continue;
      const created = Pool.create({ prefix: def.prefix, gateway: def.gateway, exclusions: def.exclusions, name: `published in the ledger` });
      if (!created.ok) {
        errors.push(generalError(`the pools of network instance ${ni} published in ${ledgerName} are invalid: ${created.error.message}`));
        continue;
      }
      if (def.kind === 'aggregate') {
        const network = { apiVersion: NETWORK_API.apiVersion, kind: NETWORK_API.kind, metadata: { name: ni } } as KubeObject;
        aggregates.push({ aggregate: { networkInstance: ni, kind: 'network', pool: created.value, labels: { ...def.labels }, definedBy: network, field: 'spec.routingTables' }, package: published?.package ?? '' });
        continue;
      }
      pools.push(created.value);
      extra.push({
        networkInstance: ni,
        kind: def.kind ?? 'network',
        pool: created.value,
        labels: { ...def.labels },
        definedBy: { apiVersion: API.networkInstance.apiVersion, kind: API.networkInstance.kind, metadata: { name: ni } } as KubeObject,
        field: 'spec.prefixes',
      });
    }
    effective.set(ni, pools);
    if (added.length > 0) {
      const definingPkg = mine.map(({ p }) => facts.packageOf(p.definedBy)).sort()[0] ?? '';
      const all = [...withPublishers(published?.pools ?? [], published, definingPkg), ...added].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
      publish.set(ni, { pools: all, package: definingPkg });
    }
  }
  return { errors, extra, effective, publish, aggregates };
}

type Attempt = TransformOutput | 'lost-race';

async function attemptOnce(
  config: LedgerConfig,
  client: EtcdClient,
  keys: LedgerKeys,
  facts: RenderFacts,
  input: ResourceList,
  step: (hooks: IpamLedgerHooks, items: KubeObject[]) => TransformOutput,
  fnName: string,
  then: ((out: TransformOutput) => TransformOutput) | undefined,
): Promise<Attempt> {
  const ledgerName = `etcd ${client.describe()} prefix ${config.prefix}`;
  const snap = new Snapshot(client, keys);
  const pairs = [...new Set(facts.claims.map((c) => `${c.ni}\u0000${c.cluster}`))].map((s) => s.split('\u0000') as [string, string]);
  await snap.fetch([
    keys.init(),
    ...facts.nis.map((ni) => keys.pools(ni)),
    ...facts.nis.map((ni) => keys.carve(ni)),
    ...facts.claims.map((c) => keys.owner(c.ni, c.binding)),
    ...pairs.map(([ni, cluster]) => keys.affinity(ni, cluster)),
    ...facts.packages.map((p) => keys.package(p)),
    ...[...new Set([...facts.vlanClaims.map((v) => v.index), ...facts.vlanIndexes])].map((i) => keys.vlan(i)),
  ]);
  // Guarded like every key read: a wipe during the render makes the commit fail and the retry refuse.
  if (!snap.record('init', keys.init())) {
    return { items: input.items, results: [generalError(`${fnName}: ${notInitialised(`the shared address ledger (etcd ${client.describe()}, prefix ${config.prefix})`, config.prefix)}`)] };
  }
  const plan = planPools(facts, snap, keys, ledgerName);
  if (plan.errors.length > 0) return { items: input.items, results: [...facts.poolResults, ...plan.errors] };
  const copies = await checkCopies(snap, keys, input.items, facts.packageOf, facts.packages, ledgerName);
  if (copies.errors.length > 0) return { items: input.items, results: copies.errors };
  const copied = await copiedStatuses(snap, keys, input.items, facts.packageOf, facts.packages, plan.effective);
  const items = copied.length > 0 ? withoutCopiedStatus(input.items, copied) : input.items;

  // Holdings this render may release (its packages' holdings of its clusters that it no longer
  // contains) and the clusters' current chunks.
  const present = new Set(facts.claims.map((c) => `${c.ni}|${c.binding}`));
  const releasable: { ni: string; owner: string; pkg: string }[] = [];
  for (const pkg of facts.packages) {
    for (const h of snap.record('package', keys.package(pkg))?.holdings ?? []) {
      if (!present.has(`${h.ni}|${h.owner}`) && inScope(facts, h.owner)) releasable.push({ ...h, pkg });
    }
  }
  const currentChunks: string[] = [];
  for (const [ni, cluster] of pairs) {
    const aff = snap.record('affinity', keys.affinity(ni, cluster)) ?? {};
    for (const [poolId, idx] of Object.entries(aff)) currentChunks.push(keys.chunk(ni, poolId, BigInt(`0x${idx}`)));
  }
  const heldIndexes = [...new Set(facts.packages.flatMap((p) => packageVlans(snap.record('package', keys.package(p)))))].sort();
  await snap.fetch([...releasable.map((h) => keys.owner(h.ni, h.owner)), ...currentChunks, ...heldIndexes.map((i) => keys.vlan(i))]);

  const packageOfOwner = (ni: string) => (owner: string) => facts.bindingPackage.get(`${ni}|${owner}`) ?? '';
  const released = new Set(releasable.map((h) => `${h.ni}|${h.owner}`));
  let spaces = new Map<string, LedgerSpace>();
  let vlanEdge = new VlanEdge(snap, keys, ledgerName);
  let subnetEdge = new SubnetEdge(snap, keys, plan.aggregates);
  let out: TransformOutput | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    spaces = new Map();
    vlanEdge = new VlanEdge(snap, keys, ledgerName);
    subnetEdge = new SubnetEdge(snap, keys, plan.aggregates);
    const holdingsEdge = new HoldingsEdge(snap, keys, present);
    const hooks: IpamLedgerHooks = {
      vlans: vlanEdge,
      subnets: subnetEdge,
      holdings: (ni) => holdingsEdge.holdings(ni),
      space: (ni) => {
        let s = spaces.get(ni);
        if (!s) spaces.set(ni, (s = new LedgerSpace(niSnapshot(snap, keys, ni), keys, packageOfOwner(ni), ledgerName, (owner) => released.has(`${ni}|${owner}`))));
        return s;
      },
      extraPools: plan.extra,
    };
    out = step(hooks, items);
    const wants = [...spaces.values()].flatMap((s) => s.wants);
    if (wants.length === 0 && vlanEdge.wants.length === 0 && subnetEdge.wants.length === 0 && holdingsEdge.wants.length === 0) break;
    await snap.fetch([...vlanEdge.wants, ...subnetEdge.wants]);
    for (const prefix of new Set(holdingsEdge.wants)) await snap.fetchPrefix(prefix);
    // Pools carved in this round (new per-cluster subnets) are known to the spaces only.
    const poolsNow = new Map(plan.effective);
    for (const [ni, s] of spaces) poolsNow.set(ni, [...(poolsNow.get(ni) ?? []), ...s.pools().filter((p) => !(poolsNow.get(ni) ?? []).some((q) => q.id === p.id))]);
    await satisfy(snap, keys, wants, poolsNow);
    out = undefined;
  }
  if (!out) throw new EtcdError('server', `the render still needed more of the ledger after ${MAX_ROUNDS} rounds`);
  if (hasErrors(out.results)) return out;
  const said = [...copies.takeovers, ...copiedStatusResults(copied, out.items, ledgerName)];
  const stepOut = said.length > 0 ? { ...out, results: [...out.results, ...said] } : out;
  const final = then ? then(stepOut) : stepOut;
  if (hasErrors(final.results)) return final;

  // Chunks of addresses to free: released holdings and bindings whose address changed.
  const frees: { ni: string; owner: string; record: OwnerRecord }[] = [];
  for (const h of releasable) {
    const record = snap.record('owner', keys.owner(h.ni, h.owner));
    if (record && record.package === h.pkg) frees.push({ ni: h.ni, owner: h.owner, record });
  }
  for (const c of facts.claims) {
    const record = snap.record('owner', keys.owner(c.ni, c.binding));
    const now = holdingOf(spaces.get(c.ni), c.binding);
    if (record && now && (record.address !== now.address || record.pool !== now.pool)) frees.push({ ni: c.ni, owner: c.binding, record });
  }
  // Prefixes (pool claims) to free: one key per pool-kind prefix.
  const prefixFrees = frees.filter((f) => f.record.block);
  await snap.fetch(prefixFrees.map((f) => keys.prefixPool(f.ni, f.record.pool)));
  const prefixPools = new Map<string, PrefixPoolRecord>();
  for (const [ni, s] of spaces) {
    for (const id of s.prefixPoolsLoaded) {
      const state = s.prefixPoolState(id);
      if (state) prefixPools.set(keys.prefixPool(ni, id), state);
    }
  }
  for (const f of prefixFrees) {
    const key = keys.prefixPool(f.ni, f.record.pool);
    const rec = prefixPools.get(key) ?? snap.record('prefixPool', key);
    if (!rec || rec.held[f.record.prefix]?.[0] !== f.owner) continue;
    const held = { ...rec.held };
    delete held[f.record.prefix];
    prefixPools.set(key, { ...rec, held });
  }
  const freeAt = frees.filter((f) => !f.record.block).flatMap((f) => {
    const pool = plan.effective.get(f.ni)?.find((p) => p.id === f.record.pool);
    const value = pool ? addressValue(f.record.address) : undefined;
    if (!pool || value === undefined) return [];
    const { index, offset } = chunkPlaceOf(pool, value);
    return [{ owner: f.owner, key: keys.chunk(f.ni, pool.id, index), pool, index, offset }];
  });
  await snap.fetch(freeAt.map((b) => b.key));

  const ops: TxnOp[] = [];
  const chunks = new Map<string, ChunkState>();
  for (const s of spaces.values()) for (const [k, b] of s.touched) chunks.set(k, b);
  for (const f of freeAt) {
    const b = chunks.get(f.key) ?? snap.chunkState(f.key, f.pool.id, f.index);
    if (!b || b.held.get(f.offset)?.[0] !== f.owner) continue;
    const copy = chunks.get(f.key) ?? { ...b, held: new Map(b.held) };
    copy.held.delete(f.offset);
    chunks.set(f.key, copy);
  }
  for (const b of chunks.values()) {
    const held: Record<string, readonly [string, string]> = {};
    for (const [o, h] of [...b.held].sort((x, y) => x[0] - y[0])) held[String(o)] = h;
    // A chunk nothing was ever allocated from that holds nothing more goes (records.ts refuses it).
    if (b.cursor === null && Object.keys(held).length === 0) {
      if (snap.kv.get(b.key)) ops.push({ del: b.key });
      continue;
    }
    const rec: ChunkRecord = { cluster: b.cluster, cursor: b.cursor, held };
    put(ops, snap, b.key, rec);
  }
  for (const [key, rec] of prefixPools) if (snap.kv.get(key) || Object.keys(rec.held).length > 0) put(ops, snap, key, rec);
  // Owners: what each claim identity now holds.
  const lookupOf = lookupFacts(out.items);
  for (const c of facts.claims) {
    const now = holdingOf(spaces.get(c.ni), c.binding);
    if (!now) continue;
    const base = { address: now.address, prefix: now.prefix, pool: now.pool, cluster: c.cluster, package: c.pkg, ...lookupOf.get(`${c.ni}|${c.binding}`) };
    const rec: OwnerRecord = now.block ? { ...base, block: true } : base;
    put(ops, snap, keys.owner(c.ni, c.binding), rec);
  }
  for (const f of frees) {
    if (present.has(`${f.ni}|${f.owner}`)) continue;
    ops.push({ del: keys.owner(f.ni, f.owner) });
  }
  // Affinity and carving: a fresh chunk becomes the cluster's current one once used.
  for (const [ni, byPool] of snap.carved) {
    const carve: Record<string, string> = { ...(snap.record('carve', keys.carve(ni)) ?? {}) };
    const affinity = new Map<string, Record<string, string>>();
    for (const [poolCluster, indexes] of byPool) {
      const [poolId, cluster] = splitOnce(poolCluster, '|');
      const used = indexes.filter((i) => chunks.has(keys.chunk(ni, poolId, i)));
      if (used.length === 0) continue;
      const last = used[used.length - 1];
      const aff = affinity.get(cluster) ?? { ...(snap.record('affinity', keys.affinity(ni, cluster)) ?? {}) };
      aff[poolId] = last.toString(16);
      affinity.set(cluster, aff);
      const next = BigInt(`0x${carve[poolId] ?? '0'}`);
      const maxUsed = used.reduce((a, b) => (a > b ? a : b));
      if (maxUsed + 1n > next) carve[poolId] = (maxUsed + 1n).toString(16);
    }
    for (const [cluster, aff] of affinity) put(ops, snap, keys.affinity(ni, cluster), sortedRecord(aff));
    put(ops, snap, keys.carve(ni), sortedRecord(carve));
  }
  // VLAN indexes: one key each.
  const vlan = vlanCommit({
    snap,
    keys,
    edge: vlanEdge,
    claims: facts.vlanClaims,
    heldIndexes,
    packages: facts.packages,
    inScope: (cluster) => cluster === '' || facts.clusters.size === 0 || facts.clusters.has(cluster),
    definingPackage: facts.packages[0] ?? '',
  });
  for (const [key, rec] of vlan.puts) put(ops, snap, key, rec);
  for (const [ni, rec] of subnetEdge.records) {
    const key = keys.subnets(ni);
    if (snap.kv.get(key) || Object.keys(rec.carved).length > 0) put(ops, snap, key, rec);
  }
  // Package records: the holdings each package made.
  const freed = new Set(frees.filter((f) => !present.has(`${f.ni}|${f.owner}`)).map((f) => `${f.ni}|${f.owner}`));
  for (const pkg of facts.packages) {
    const before = snap.record('package', keys.package(pkg))?.holdings ?? [];
    const entries = new Map<string, { ni: string; owner: string }>();
    for (const h of before) {
      const id = `${h.ni}|${h.owner}`;
      if (freed.has(id)) continue;
      // Stale entries (the identity moved to another package or was released) go too.
      if (!present.has(id) && inScope(facts, h.owner)) {
        const rec = snap.record('owner', keys.owner(h.ni, h.owner));
        if (!rec || rec.package !== pkg) continue;
      }
      if (present.has(id) && facts.bindingPackage.get(id) !== pkg) continue;
      entries.set(id, h);
    }
    for (const c of facts.claims) if (c.pkg === pkg) entries.set(`${c.ni}|${c.binding}`, { ni: c.ni, owner: c.binding });
    const holdings = [...entries.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, h]) => h);
    const vlans = new Set(packageVlans(snap.record('package', keys.package(pkg))).filter((i) => !vlan.touched.has(i)));
    for (const i of vlan.packageIndexes.get(pkg) ?? []) vlans.add(i);
    if (holdings.length === 0 && vlans.size === 0 && !snap.kv.get(keys.package(pkg))) continue;
    const record: PackageRecord = vlans.size > 0 ? { holdings, vlans: [...vlans].sort() } : { holdings };
    put(ops, snap, keys.package(pkg), record);
  }
  for (const [ni, rec] of plan.publish) put(ops, snap, keys.pools(ni), rec);

  const ownerKeys = new Map<string, string>();
  const ownerPackage = new Map<string, string>();
  for (const c of facts.claims) {
    ownerKeys.set(keys.owner(c.ni, c.binding), c.binding);
    ownerPackage.set(keys.owner(c.ni, c.binding), keys.package(c.pkg));
  }
  for (const f of frees) {
    const k = keys.owner(f.ni, f.owner);
    ownerKeys.set(k, f.owner);
    if (!ownerPackage.has(k)) ownerPackage.set(k, keys.package(f.record.package));
  }
  const isKind = (k: string, ...kinds: string[]): boolean => {
    const parsed = keys.parseNi(k);
    return parsed !== undefined && kinds.some((kind) => parsed.rest.startsWith(kind));
  };
  if (config.readOnly) return { ...final, results: [...final.results, readOnlyNotice(fnName, ledgerName)] };
  const committed = await commit(client, snapshotView(snap), {
    keys,
    ops,
    guarded: [...snap.guarded],
    owners: ownerKeys,
    ownerPackage,
    slotKeys: new Set([...chunks.keys(), ...prefixPools.keys()]),
    packageKeys: new Set(facts.packages.map((p) => keys.package(p))),
    firstKeys: new Set([...[...plan.publish.keys()].map((ni) => keys.pools(ni)), ...[...subnetEdge.records.keys()].map((ni) => keys.subnets(ni))]),
    alwaysGuard: facts.nis.map((ni) => keys.pools(ni)),
    unguardedWhenSplit: (k) => isKind(k, 'owner/', 'block/'),
  });
  return committed ? final : 'lost-race';
}

function snapshotView(snap: Snapshot): ReadView {
  return {
    value: (k) => (snap.kv.has(k) ? (snap.kv.get(k)?.value ?? null) : undefined),
    revision: (k) => (snap.kv.has(k) ? (snap.kv.get(k)?.modRevision ?? null) : undefined),
  };
}

/**
 * Whether this render speaks for a holding of one of its packages: same-named packages of
 * different clusters (Nephio's per-cluster repositories) share a package identity, so a render
 * releases only holdings of the clusters it names (its claims' and WorkloadClusters'). A render
 * that names no cluster at all speaks for the whole package.
 */
function inScope(facts: RenderFacts, owner: string): boolean {
  return facts.clusters.size === 0 || facts.clusters.has(clusterOfBinding(owner));
}

/** What a claim identity holds in a space: an address, or a pool claim's prefix. */
function holdingOf(space: LedgerSpace | undefined, binding: string): { address: string; prefix: string; pool: string; block: boolean } | undefined {
  const a = space?.allocationsOf(binding)[0];
  if (a) return { address: a.address, prefix: a.prefix, pool: a.poolId, block: false };
  const b = space?.blocksOf(binding)[0];
  return b ? { address: b.prefix, prefix: b.prefix, pool: b.poolId, block: true } : undefined;
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return [s.slice(0, i), s.slice(i + 1)];
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

/** Adds a put unless the key already holds exactly this value. */
function put(ops: TxnOp[], snap: Snapshot, key: string, value: unknown): void {
  const text = JSON.stringify(value);
  if (snap.kv.get(key)?.value === text) return;
  ops.push({ put: key, value: text });
}

function addressValue(address: string): bigint | undefined {
  const r = parseAddress(address);
  return r.ok ? r.value.value : undefined;
}

function niSnapshot(snap: Snapshot, keys: LedgerKeys, ni: string): NiSnapshot {
  const owners = new Map<string, OwnerRecord>();
  const chunks = new Map<string, ChunkState>();
  const affinity = new Map<string, Map<string, bigint>>();
  const ownerPrefix = keys.ownerPrefix(ni);
  const affPrefix = `${keys.ni(ni)}affinity/`;
  const chunkPrefix = `${keys.ni(ni)}block/`;
  const prefixPoolPrefix = `${keys.ni(ni)}prefix/`;
  const prefixPools = new Map<string, PrefixPoolRecord | null>();
  for (const [k, kv] of snap.kv) {
    if (k.startsWith(prefixPoolPrefix)) {
      prefixPools.set(decodeURIComponent(k.slice(prefixPoolPrefix.length)), kv ? (snap.record('prefixPool', k) ?? null) : null);
      continue;
    }
    if (k.startsWith(ownerPrefix)) {
      const rec = kv ? snap.record('owner', k) : undefined;
      if (rec) owners.set(decodeURIComponent(k.slice(ownerPrefix.length)), rec);
    } else if (k.startsWith(affPrefix)) {
      if (!kv) continue;
      const rec = snap.record('affinity', k) ?? {};
      affinity.set(decodeURIComponent(k.slice(affPrefix.length)), new Map(Object.entries(rec).map(([p, i]) => [p, BigInt(`0x${i}`)])));
    } else if (k.startsWith(chunkPrefix)) {
      // By the key alone: a pool carved in this render (a new per-cluster subnet) is no known pool yet.
      const [enc, hex] = k.slice(chunkPrefix.length).split('/');
      const b = snap.chunkState(k, decodeURIComponent(enc), BigInt(`0x${hex}`));
      if (b) chunks.set(k, b);
    }
  }
  return {
    ni,
    owners,
    chunks,
    affinity,
    carved: snap.carved.get(ni) ?? new Map(),
    borrow: snap.borrow.get(ni) ?? new Set(),
    prefixPools,
  };
}

async function satisfy(snap: Snapshot, keys: LedgerKeys, wants: readonly Want[], pools: ReadonlyMap<string, Pool[]>): Promise<void> {
  const chunkKeys = wants.filter((w): w is Extract<Want, { kind: 'chunk' }> => w.kind === 'chunk').map((w) => keys.chunk(w.ni, w.poolId, w.index));
  const prefixKeys = wants.filter((w): w is Extract<Want, { kind: 'prefixes' }> => w.kind === 'prefixes').map((w) => keys.prefixPool(w.ni, w.poolId));
  await snap.fetch([...chunkKeys, ...prefixKeys]);
  // Claims waiting for a new chunk, per pool and cluster: a large package gets the chunks it
  // needs in one round instead of one chunk per round.
  const waiting = new Map<string, number>();
  for (const w of wants) if (w.kind === 'carve') waiting.set(`${w.ni}|${w.poolId}|${w.cluster}`, (waiting.get(`${w.ni}|${w.poolId}|${w.cluster}`) ?? 0) + 1);
  const seen = new Set<string>();
  for (const w of wants) {
    if (w.kind !== 'carve') continue;
    const id = `${w.ni}|${w.poolId}|${w.cluster}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const pool = pools.get(w.ni)?.find((p) => p.id === w.poolId);
    if (!pool) continue;
    const count = chunkCount(pool);
    const size = chunkSize(pool);
    const needed = Math.ceil((waiting.get(id) ?? 1) / size);
    const nextKey = `${w.ni}|${w.poolId}`;
    let next = snap.carveNext.get(nextKey) ?? BigInt(`0x${snap.record('carve', keys.carve(w.ni))?.[w.poolId] ?? '0'}`);
    let carved = 0;
    // Skip chunks that exist although never carved (adopted addresses, a rebuilt ledger).
    for (let tries = 0; next < count && tries < 256 + needed && carved < needed; tries++) {
      const batch: bigint[] = [];
      for (let i = next; i < count && batch.length < needed - carved; i++) batch.push(i);
      await snap.fetch(batch.map((i) => keys.chunk(w.ni, w.poolId, i)));
      for (const index of batch) {
        next = index + 1n;
        if (snap.kv.get(keys.chunk(w.ni, w.poolId, index))) continue;
        const byPool = snap.carved.get(w.ni) ?? new Map<string, bigint[]>();
        snap.carved.set(w.ni, byPool);
        const list = byPool.get(`${w.poolId}|${w.cluster}`) ?? [];
        list.push(index);
        byPool.set(`${w.poolId}|${w.cluster}`, list);
        carved++;
      }
      tries += batch.length - 1;
    }
    snap.carveNext.set(nextKey, next);
    if (carved > 0) continue;
    if (next < count) continue; // skipped 256 existing chunks; the next round continues
    // Every chunk carved: borrow from any chunk with room, freed addresses included.
    await snap.fetchPrefix(keys.chunkPrefix(w.ni, w.poolId));
    if (count <= MAX_VIRTUAL_CHUNKS) {
      const missing: string[] = [];
      for (let i = 0n; i < count; i++) {
        const key = keys.chunk(w.ni, w.poolId, i);
        if (!snap.kv.has(key)) missing.push(key);
      }
      for (const k of missing) snap.kv.set(k, null);
    }
    const set = snap.borrow.get(w.ni) ?? new Set<string>();
    set.add(w.poolId);
    snap.borrow.set(w.ni, set);
  }
}
