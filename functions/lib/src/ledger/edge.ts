/**
 * The I/O edge of allocation against the shared ledger, usable by any function that runs the
 * ipam step (ipam-fn, netpipe-fn):
 *
 *   snapshot (only the keys this render needs) -> pure step -> more of the ledger if the step
 *   asked for it -> step again -> ONE etcd transaction guarded by the revision of every key read
 *   -> on a lost race, the same from a fresh snapshot (bounded, with jitter).
 *
 * The step is the unchanged synchronous transform; it sees the ledger only as `AddressSpace`s
 * (LedgerSpace) and a few hooks (ipam-hooks.ts). Nothing is written when the step reports an
 * error, and any ledger failure becomes an error result naming the ledger and what to check.
 *
 * This module holds the orchestration only: the phases of one attempt (`attemptOnce`), the
 * retries, the pool plan. What a render contains is in render-facts.ts, what it writes is
 * computed without I/O in address-commit.ts, and commit.ts writes it in guarded batches.
 */
import { API } from '../api/types';
import { KubeObject } from '../kube/object';
import { isKptfile } from '../conditions';
import type { PoolSource } from '../pools';
import { NETWORK_API } from '../networks';
import type { ResourceList } from '../resource-list';
import { generalError, hasErrors, errorFor, Result } from '../results';
import type { TransformOutput } from '../runner';
import { Pool } from '../ipam/pool';
import { ENV, LedgerConfig } from './config';
import { commit } from './commit';
import { checkCopies, copiedStatuses, copiedStatusResults, withoutCopiedStatus } from './copies';
import { notInitialised } from './init';
import { EtcdClient, EtcdError } from './etcd';
import { LedgerRecordError } from './records';
import { niSnapshot, readView, Snapshot } from './snapshot';
import { definitionDifference, definitionOf, LedgerKeys, OwnerHolding, PoolDefinition, PoolsRecord, CARVED_FROM, withPublishers } from './keys';
import { LedgerRaceError, withdrawRemovedPools } from './withdraw';
import { LedgerSpace } from './space';
import { VlanEdge } from './vlan-edge';
import { RenderFacts, renderFacts } from './render-facts';
import { HoldingsEdge, IpamLedgerHooks, PublishedAggregate, SubnetEdge } from './ipam-hooks';
import { loadWants } from './load-wants';
import { addressCommit, addressFrees, clusterPairs, freePlaces, guardedPlan, HoldingScope, holdingScope, presentIdentities } from './address-commit';

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
  const definer = (o: KubeObject) => ({ definedBy: o, pkg: facts.packageOf(o), carved: o.metadata.annotations?.[CARVED_FROM] !== undefined });
  try {
    const withdrawn = await withdrawRemovedPools(client, keys, {
      packages: facts.packages,
      defined: [
        ...facts.pools.map((p) => ({ ni: p.networkInstance, def: definitionOf(p.pool, p.labels, p.kind), ...definer(p.definedBy), field: p.field })),
        ...facts.aggregates.map((a) => ({ ni: a.networkInstance, def: definitionOf(a.pool, a.labels, 'aggregate'), ...definer(a.definedBy), field: a.field })),
      ],
      packageAnchor: (pkg) => input.items.find((o) => isKptfile(o) && facts.packageOf(o) === pkg) ?? input.items[0]!,
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

type Step = (hooks: IpamLedgerHooks, items: KubeObject[]) => TransformOutput;

/**
 * One attempt, in phases: read the snapshot -> plan pools -> check copies -> read what the
 * render's packages hold -> run the step until it needs nothing more -> read what the frees
 * change -> the pure commit (address-commit.ts) -> write it in guarded batches (commit.ts).
 */
async function attemptOnce(
  config: LedgerConfig,
  client: EtcdClient,
  keys: LedgerKeys,
  facts: RenderFacts,
  input: ResourceList,
  step: Step,
  fnName: string,
  then: ((out: TransformOutput) => TransformOutput) | undefined,
): Promise<Attempt> {
  const ledgerName = `etcd ${client.describe()} prefix ${config.prefix}`;
  const snap = new Snapshot(client, keys);
  await snap.fetch(firstReads(facts, keys));
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

  const scope = holdingScope(facts, snap, keys);
  await snap.fetch(scope.reads);
  const run = await runStep(snap, keys, facts, plan, scope, ledgerName, step, items);
  if (hasErrors(run.out.results)) return run.out;
  const said = [...copies.takeovers, ...copiedStatusResults(copied, run.out.items, ledgerName)];
  const stepOut = said.length > 0 ? { ...run.out, results: [...run.out.results, ...said] } : run.out;
  const final = then ? then(stepOut) : stepOut;
  if (hasErrors(final.results)) return final;

  const frees = addressFrees(facts, snap, keys, run.spaces, scope.releasable);
  const places = freePlaces(frees, freeingPools(plan, snap, keys, frees), keys);
  await snap.fetch(places.prefixKeys);
  await snap.fetch(places.chunks.map((c) => c.key));
  const commitInput = { facts, keys, items: run.out.items, frees, places, vlans: run.vlans, heldIndexes: scope.heldIndexes, subnets: run.subnets.records, publish: plan.publish };
  const writes = addressCommit(commitInput, snap, run.spaces);
  if (config.readOnly) return { ...final, results: [...final.results, readOnlyNotice(fnName, ledgerName)] };
  const committed = await commit(client, readView(snap), guardedPlan(commitInput, writes, [...snap.guarded]));
  return committed ? final : 'lost-race';
}

/**
 * The pools the frees lie in: the plan's, and the published pools of network instances the render
 * no longer has any claim of (its last claim there went, and its address must be freed too).
 */
function freeingPools(plan: PoolPlan, snap: Snapshot, keys: LedgerKeys, frees: readonly OwnerHolding[]): Map<string, Pool[]> {
  const pools = new Map(plan.effective);
  for (const ni of new Set(frees.map((f) => f.ni))) {
    if (pools.has(ni)) continue;
    const defs = (snap.record('pools', keys.pools(ni))?.pools ?? []).filter((d) => d.kind !== 'aggregate');
    pools.set(
      ni,
      defs.flatMap((d) => {
        const created = Pool.create({ prefix: d.prefix, gateway: d.gateway, exclusions: d.exclusions, name: 'published in the ledger' });
        if (!created.ok) throw new LedgerRecordError(keys.pools(ni), `pool ${d.prefix} is invalid: ${created.error.message}`);
        return [created.value];
      }),
    );
  }
  return pools;
}

/** The keys every attempt reads first: marker, pools, carving, owners, affinity, packages, VLAN indexes. */
function firstReads(facts: RenderFacts, keys: LedgerKeys): string[] {
  return [
    keys.init(),
    ...facts.nis.map((ni) => keys.pools(ni)),
    ...facts.nis.map((ni) => keys.carve(ni)),
    ...facts.claims.map((c) => keys.owner(c.ni, c.binding)),
    ...clusterPairs(facts).map(([ni, cluster]) => keys.affinity(ni, cluster)),
    ...facts.packages.map((p) => keys.package(p)),
    ...facts.packages.map((p) => keys.published(p)),
    ...[...new Set([...facts.vlanClaims.map((v) => v.index), ...facts.vlanIndexes])].map((i) => keys.vlan(i)),
  ];
}

interface StepRun {
  readonly out: TransformOutput;
  readonly spaces: ReadonlyMap<string, LedgerSpace>;
  readonly vlans: VlanEdge;
  readonly subnets: SubnetEdge;
}

/**
 * Runs the step over the snapshot until it asks for nothing more, loading what it asked for
 * between runs. Every run starts from scratch on fresh hooks: the step is pure.
 */
async function runStep(snap: Snapshot, keys: LedgerKeys, facts: RenderFacts, plan: PoolPlan, scope: HoldingScope, ledgerName: string, step: Step, items: KubeObject[]): Promise<StepRun> {
  const present = presentIdentities(facts);
  const packageOfOwner = (ni: string) => (owner: string) => facts.bindingPackage.get(`${ni}|${owner}`) ?? '';
  const released = new Set(scope.releasable.map((h) => `${h.ni}|${h.owner}`));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const spaces = new Map<string, LedgerSpace>();
    const vlans = new VlanEdge(snap, keys, ledgerName);
    const subnets = new SubnetEdge(snap, keys, plan.aggregates);
    const holdingsEdge = new HoldingsEdge(snap, keys, present);
    const hooks: IpamLedgerHooks = {
      vlans,
      subnets,
      holdings: (ni) => holdingsEdge.holdings(ni),
      space: (ni) => {
        let s = spaces.get(ni);
        if (!s) spaces.set(ni, (s = new LedgerSpace(niSnapshot(snap, keys, ni), keys, packageOfOwner(ni), ledgerName, (owner) => released.has(`${ni}|${owner}`))));
        return s;
      },
      extraPools: plan.extra,
    };
    const out = step(hooks, items);
    const wants = [...spaces.values()].flatMap((s) => s.wants);
    if (wants.length === 0 && vlans.wants.length === 0 && subnets.wants.length === 0 && holdingsEdge.wants.length === 0) return { out, spaces, vlans, subnets };
    await snap.fetch([...vlans.wants, ...subnets.wants]);
    for (const prefix of new Set(holdingsEdge.wants)) await snap.fetchPrefix(prefix);
    // Pools carved in this round (new per-cluster subnets) are known to the spaces only.
    const poolsNow = new Map(plan.effective);
    for (const [ni, s] of spaces) poolsNow.set(ni, [...(poolsNow.get(ni) ?? []), ...s.pools().filter((p) => !(poolsNow.get(ni) ?? []).some((q) => q.id === p.id))]);
    await loadWants(snap, keys, wants, poolsNow);
  }
  throw new EtcdError('server', `the render still needed more of the ledger after ${MAX_ROUNDS} rounds`);
}
