/**
 * Withdrawing a published pool. A pool in the ledger serves every render of its network instance,
 * so it goes only when the package that published it renders without it, and only while nothing
 * is held in it: an address held in a withdrawn pool would belong to no pool, and a pool defined
 * later over the same range could hand it out a second time. While addresses (or, for a Network
 * aggregate, carved subnets) are held, the render fails naming the holders and writes nothing.
 *
 * The withdrawal is its own transaction, ahead of the render's commit, and publishes the pools
 * the render adds in the same write: replacing a pool (add the new one, drop the old) never leaves
 * a moment in which a concurrent render finds neither. It is guarded by ranges:
 * no key of the pool's chunks, its pool-prefix record, the carving or the routing table's subnets
 * may have been written since they were read, so a concurrent render that reserves an address in
 * the pool, even in a chunk this one never saw, makes the withdrawal start again and find it.
 * Cluster affinities to the pool are dropped first, each guarded by its own revision: a cluster
 * without one just takes a fresh chunk, so a withdrawal cut short there loses nothing.
 *
 * Each package's `published/<package>` record lists the pools and aggregates its last committed
 * render defined, per network instance. A render that drops a whole network instance defines
 * nothing that points at it, so it withdraws from those its record lists as well. A pool its
 * publisher drops that another package defines too is not withdrawn but passes to that package
 * (its `by`): an NF package whose copy of a Network published first can drop the copy while its
 * claims hold addresses, and the networks package that defines the same pools publishes them from
 * then on. The render's commit rewrites the record (address-commit.ts), so a refused withdrawal,
 * or a render that fails, leaves it as it was and the next render tries again.
 */
import type { KubeObject } from '../kube/object';
import { errorFor, infoFor, Result } from '../results';
import { Pool } from '../ipam/pool';
import { formatAddress } from '../ipam/address';
import { chunkAddress } from './chunks';
import { TXN_BUDGET } from './commit';
import { Compare, EtcdClient, KeyValue, prefixEnd, TxnOp } from './etcd';
import { definitionDifference, LedgerKeys, PoolDefinition, PoolsRecord, PublishedRecord, publisherOf, withPublishers } from './keys';
import { decodeRecord, LedgerRecordError } from './records';

/** A pool or aggregate the render defines, where its results point. */
export interface DefinedPool {
  readonly ni: string;
  readonly def: PoolDefinition;
  /** The package that defines it. */
  readonly pkg: string;
  /** A subnet carved from an aggregate: recorded in the carving, never published. */
  readonly carved: boolean;
  readonly definedBy: KubeObject;
  readonly field: string;
}

export interface WithdrawInput {
  /** Package identities of every package the render contains. */
  readonly packages: readonly string[];
  readonly defined: readonly DefinedPool[];
  /** Where a result about a network instance the render defines nothing in points: the package's Kptfile. */
  readonly packageAnchor: (pkg: string) => KubeObject;
  /** `etcd <endpoints> prefix <prefix>`, for messages. */
  readonly ledgerName: string;
  /** A preview (`netpipe plan`): say what would be withdrawn, write nothing. */
  readonly readOnly?: boolean;
  /** `netpipe ledger withdraw`: an operator asked, no package render; the advice differs. */
  readonly byOperator?: boolean;
}

export interface WithdrawOutcome {
  readonly errors: Result[];
  /** One info result per pool withdrawn. */
  readonly notices: Result[];
}

/** Holders named in an error; the count says how many more there are. */
const NAMED_HOLDERS = 5;
const ATTEMPTS = 10;

/** Withdraws the pools the render's packages published and no longer define, or refuses. */
export async function withdrawRemovedPools(client: EtcdClient, keys: LedgerKeys, input: WithdrawInput): Promise<WithdrawOutcome> {
  const records = await publishedRecords(client, keys);
  const ours = new Set(input.packages);
  const listed = [...records].filter(([pkg]) => ours.has(pkg)).flatMap(([, r]) => Object.keys(r.defines));
  const nis = [...new Set([...input.defined.map((d) => d.ni), ...listed])].sort();
  // The package a dropped pool passes to: the first other package whose last render defined it.
  const others = [...records.keys()].filter((pkg) => !ours.has(pkg)).sort();
  const heirOf = (ni: string, prefix: string): string | undefined => others.find((pkg) => (records.get(pkg)!.defines[ni] ?? []).includes(prefix));
  const notices: Result[] = [];
  for (const ni of nis) {
    for (let attempt = 1; ; attempt++) {
      const r = await withdrawOnce(client, keys, input, ni, heirOf);
      if (r === 'lost-race' && attempt < ATTEMPTS) continue;
      if (r === 'lost-race') throw new LedgerRaceError(ni, ATTEMPTS);
      if (r.errors.length > 0) return { errors: r.errors, notices: [] };
      notices.push(...r.notices);
      break;
    }
  }
  return { errors: [], notices };
}

/**
 * `netpipe ledger withdraw`: an operator withdraws one published pool or aggregate, by the
 * render's rule (guarded the same way, refused naming the holders while anything is held in it).
 * For pools whose publishing package is gone: it never renders again, so no render withdraws them.
 * A package that still defines the pool publishes it again on its next render.
 */
export async function withdrawPool(
  client: EtcdClient,
  keys: LedgerKeys,
  target: { readonly ni: string; readonly prefix: string; readonly ledgerName: string; readonly readOnly?: boolean },
): Promise<WithdrawOutcome> {
  const { ni, prefix } = target;
  const kv = await client.get(keys.pools(ni));
  const published = kv ? decodeRecord('pools', kv.key, kv.value) : undefined;
  const def = published?.pools.find((d) => d.prefix === prefix);
  if (!published || !def) {
    const have = published?.pools.map((d) => d.prefix).join(', ');
    throw new Error(`network instance ${ni} publishes no pool ${prefix} in ${target.ledgerName}${have ? ` (it publishes ${have})` : ''}`);
  }
  const anchor = { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'NetworkInstance', metadata: { name: ni } } as KubeObject;
  // As if the publisher rendered with every other published pool and without this one.
  const others: DefinedPool[] = published.pools
    .filter((d) => d.prefix !== prefix)
    .map((d) => ({ ni, def: d, pkg: publisherOf(d, published), carved: false, definedBy: anchor, field: 'spec.prefixes' }));
  const input: WithdrawInput = { packages: [publisherOf(def, published)], defined: others, packageAnchor: () => anchor, ledgerName: target.ledgerName, readOnly: target.readOnly, byOperator: true };
  for (let attempt = 1; ; attempt++) {
    const r = await withdrawOnce(client, keys, input, ni, () => undefined);
    if (r !== 'lost-race') return r;
    if (attempt === ATTEMPTS) throw new LedgerRaceError(ni, ATTEMPTS);
  }
}

/** Every package's `published` record (one range: only packages that define pools have one). */
async function publishedRecords(client: EtcdClient, keys: LedgerKeys): Promise<Map<string, PublishedRecord>> {
  const prefix = keys.publishedPrefix();
  const out = new Map<string, PublishedRecord>();
  for (const kv of await client.range(prefix, prefixEnd(prefix))) {
    const key = keys.parse(kv.key);
    if (key?.kind !== 'published') throw new LedgerRecordError(kv.key, 'is not a key of the ledger layout');
    out.set(key.pkg, decodeRecord('published', kv.key, kv.value));
  }
  return out;
}

/** Contention on one network instance's pools that outlasted every attempt. */
export class LedgerRaceError extends Error {
  constructor(
    readonly ni: string,
    readonly attempts: number,
  ) {
    super(`the pools of network instance ${ni} changed under the render ${attempts} times in a row`);
  }
}

interface Holder {
  readonly what: string;
  readonly sortKey: string;
}

async function withdrawOnce(
  client: EtcdClient,
  keys: LedgerKeys,
  input: WithdrawInput,
  ni: string,
  heirOf: (ni: string, prefix: string) => string | undefined,
): Promise<WithdrawOutcome | 'lost-race'> {
  const poolsKey = keys.pools(ni);
  const [poolsRange, initRange] = (await client.txn([], [{ range: poolsKey }, { range: keys.init() }])).ranges;
  const poolsKv = poolsRange[0];
  // A ledger not known to be initialised is refused by the render itself, naming `rebuild`.
  if (!poolsKv || !initRange[0]) return { errors: [], notices: [] };
  const published = decodeRecord('pools', poolsKey, poolsKv.value);
  const mine = input.defined.filter((d) => d.ni === ni);
  const mineIds = new Set(mine.map((d) => d.def.prefix));
  const removed = published.pools.filter((d) => !mineIds.has(d.prefix) && input.packages.includes(publisherOf(d, published)));
  if (removed.length === 0) return { errors: [], notices: [] };
  // A network instance the render dropped whole: its results point at the publisher's Kptfile.
  const anchor: { definedBy: KubeObject; field: string | undefined } = mine[0] ?? { definedBy: input.packageAnchor(publisherOf(removed[0]!, published)), field: undefined };
  // A definition that differs from the published one fails the render (edge.ts): write nothing here.
  const publishedById = new Map(published.pools.map((d) => [d.prefix, d]));
  if (mine.some((d) => !d.carved && publishedById.has(d.def.prefix) && definitionDifference(publishedById.get(d.def.prefix)!, d.def))) return { errors: [], notices: [] };
  const added = uniqueBy(mine.filter((d) => !d.carved && !publishedById.has(d.def.prefix)), (d) => d.def.prefix);
  // A pool another package defines too passes to it and stays; the rest leave the ledger.
  const heirs = new Map(removed.map((d) => [d.prefix, heirOf(ni, d.prefix)] as const).filter((x): x is readonly [string, string] => x[1] !== undefined));
  const leaving = removed.filter((d) => !heirs.has(d.prefix));

  // One read at one revision: every range the withdrawal is guarded by.
  const ranges: { key: string; end?: string }[] = [];
  for (const d of leaving) {
    if (d.kind === 'aggregate') continue;
    ranges.push({ key: keys.chunkPrefix(ni, d.prefix), end: prefixEnd(keys.chunkPrefix(ni, d.prefix)) });
    ranges.push({ key: keys.prefixPool(ni, d.prefix) });
  }
  ranges.push({ key: keys.carve(ni) }, { key: keys.subnets(ni) });
  const affinityPrefix = `${keys.ni(ni)}affinity/`;
  const read = await client.txn([], [...ranges.map((r) => ({ range: r.key, ...(r.end ? { end: r.end } : {}) })), { range: affinityPrefix, end: prefixEnd(affinityPrefix) }]);
  const at = read.revision;
  const kvs = read.ranges.flat();
  const value = <K extends 'carve' | 'subnets'>(kind: K, key: string) => {
    const kv = kvs.find((x) => x.key === key);
    return kv ? decodeRecord(kind, key, kv.value) : undefined;
  };

  const errors: Result[] = [];
  for (const d of leaving) {
    const holders = holdersOf(keys, ni, d, kvs);
    if (holders.length === 0) continue;
    const named = holders.slice(0, NAMED_HOLDERS).map((h) => h.what).join('; ');
    const more = holders.length > NAMED_HOLDERS ? `; and ${holders.length - NAMED_HOLDERS} more` : '';
    const noun = d.kind === 'aggregate' ? `aggregate ${d.prefix}` : `pool ${d.prefix}`;
    const held = d.kind === 'aggregate' ? `${holders.length} subnet(s) carved from it are still held` : `${holders.length} address(es) in it are still held`;
    errors.push(
      errorFor(
        anchor.definedBy,
        `${noun} of network instance ${ni} cannot be withdrawn from ${input.ledgerName}: ${input.byOperator ? `it was published by package ${publisherOf(d, published)}, and` : `package ${publisherOf(d, published)} no longer defines it, but`} ${held}: ${named}${more}. ` +
          (input.byOperator
            ? 'Nothing was written. A pool goes only once nothing holds an address in it (addresses never change under a claim): ' +
              'release packages that are gone with `netpipe ledger release --package NAME` first (see `netpipe ledger who-has`)'
            : 'Nothing was written. Put it back: a pool goes only once nothing holds an address in it (addresses never change under a claim; ' +
              'release packages that are gone with `netpipe ledger release --package NAME`, see `netpipe ledger who-has`)'),
        anchor.field,
      ),
    );
  }
  if (errors.length > 0) return { errors, notices: [] };

  const notices = (readOnly: boolean) => [
    ...leaving.map((d) =>
      infoFor(
        anchor.definedBy,
        `${d.kind === 'aggregate' ? 'aggregate' : 'pool'} ${d.prefix} of network instance ${ni} ${readOnly ? 'would be withdrawn (read only: nothing was written)' : 'was withdrawn'} from ${input.ledgerName}: ` +
          `${input.byOperator ? `withdrawn on request (published by package ${publisherOf(d, published)})` : `package ${publisherOf(d, published)} no longer defines it`} and nothing was held in it, so no claim gets an address from it any more`,
        anchor.field,
      ),
    ),
    ...removed
      .filter((d) => heirs.has(d.prefix))
      .map((d) =>
        infoFor(
          anchor.definedBy,
          `${d.kind === 'aggregate' ? 'aggregate' : 'pool'} ${d.prefix} of network instance ${ni} stays published in ${input.ledgerName}: ` +
            `package ${publisherOf(d, published)} no longer defines it, and package ${heirs.get(d.prefix)}, which defines it too, ${readOnly ? 'would publish it now (read only: nothing was written)' : 'publishes it now'}`,
          anchor.field,
        ),
      ),
  ];
  if (input.readOnly) return { errors: [], notices: notices(true) };
  const gone = new Set(leaving.map((d) => d.prefix));
  // Affinities first, each guarded alone (another pool's entry in the same record may change).
  const affinityPuts: { kv: KeyValue; op: TxnOp }[] = [];
  for (const kv of kvs.filter((x) => x.key.startsWith(affinityPrefix))) {
    const rec = decodeRecord('affinity', kv.key, kv.value);
    if (!Object.keys(rec).some((p) => gone.has(p))) continue;
    const kept = Object.fromEntries(Object.entries(rec).filter(([p]) => !gone.has(p)));
    affinityPuts.push({ kv, op: Object.keys(kept).length > 0 ? { put: kv.key, value: JSON.stringify(kept) } : { del: kv.key } });
  }
  const perTxn = Math.floor(TXN_BUDGET / 2);
  for (let i = 0; i < affinityPuts.length; i += perTxn) {
    const batch = affinityPuts.slice(i, i + perTxn);
    const r = await client.txn(
      batch.map(({ kv }) => ({ key: kv.key, modRevision: kv.modRevision })),
      batch.map(({ op }) => op),
    );
    if (!r.succeeded) return 'lost-race';
  }

  const ops: TxnOp[] = [];
  const kept = published.pools.filter((d) => !gone.has(d.prefix)).map((d) => (heirs.has(d.prefix) ? { ...d, by: heirs.get(d.prefix)! } : d));
  // As the render's commit would publish them (edge.ts planPools): the definer of added ones becomes the record's package.
  const recordPackage = added.length > 0 ? added.map((d) => d.pkg).sort()[0]! : published.package;
  const pools = [...withPublishers(kept, published, recordPackage), ...added.map((d) => d.def)].sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
  const record: PoolsRecord = { pools, package: recordPackage };
  ops.push(pools.length > 0 ? { put: poolsKey, value: JSON.stringify(record) } : { del: poolsKey });
  for (const r of ranges) {
    if (r.key === keys.carve(ni) || r.key === keys.subnets(ni)) continue;
    ops.push(r.end ? { del: r.key, end: r.end } : { del: r.key });
  }
  const carve = value('carve', keys.carve(ni));
  if (carve && Object.keys(carve).some((p) => gone.has(p))) {
    const rest = Object.fromEntries(Object.entries(carve).filter(([p]) => !gone.has(p)));
    ops.push(Object.keys(rest).length > 0 ? { put: keys.carve(ni), value: JSON.stringify(rest) } : { del: keys.carve(ni) });
  }
  const subnets = value('subnets', keys.subnets(ni));
  if (subnets && (Object.keys(subnets.cursors).some((p) => gone.has(p)) || Object.keys(subnets.carved).some((p) => gone.has(p)))) {
    const rest = {
      cursors: Object.fromEntries(Object.entries(subnets.cursors).filter(([p]) => !gone.has(p))),
      carved: Object.fromEntries(Object.entries(subnets.carved).filter(([p]) => !gone.has(p))),
    };
    const empty = Object.keys(rest.cursors).length === 0 && Object.keys(rest.carved).length === 0;
    ops.push(empty ? { del: keys.subnets(ni) } : { put: keys.subnets(ni), value: JSON.stringify(rest) });
  }
  const compares: Compare[] = [{ key: poolsKey, modRevision: poolsKv.modRevision }, ...ranges.map((r) => ({ key: r.key, ...(r.end ? { end: r.end } : {}), unchangedSince: at }))];
  const done = await client.txn(compares, ops);
  if (!done.succeeded) return 'lost-race';
  return { errors: [], notices: notices(false) };
}

function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => (seen.has(key(x)) ? false : (seen.add(key(x)), true)));
}

/** Who holds what in a removed pool, sorted by where it lies. */
function holdersOf(keys: LedgerKeys, ni: string, d: PoolDefinition, kvs: readonly KeyValue[]): Holder[] {
  const out: Holder[] = [];
  if (d.kind === 'aggregate') {
    const kv = kvs.find((x) => x.key === keys.subnets(ni));
    const carved = kv ? (decodeRecord('subnets', kv.key, kv.value).carved[d.prefix] ?? {}) : {};
    for (const [cluster, subnet] of Object.entries(carved)) out.push({ what: `subnet ${subnet} of cluster ${cluster}`, sortKey: cluster });
    return out.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  }
  const created = Pool.create({ prefix: d.prefix, gateway: d.gateway, exclusions: d.exclusions, name: 'published in the ledger' });
  if (!created.ok) throw new LedgerRecordError(keys.pools(ni), `pool ${d.prefix}: ${created.error.message}`);
  const pool = created.value;
  const chunkPrefix = keys.chunkPrefix(ni, d.prefix);
  const prefixKey = keys.prefixPool(ni, d.prefix);
  for (const kv of kvs) {
    if (kv.key.startsWith(chunkPrefix)) {
      const parsed = keys.parse(kv.key);
      if (parsed?.kind !== 'chunk') throw new LedgerRecordError(kv.key, 'is not a chunk key of the ledger layout');
      for (const [offset, [owner, pkg]] of Object.entries(decodeRecord('chunk', kv.key, kv.value).held)) {
        const value = chunkAddress(pool, parsed.index, Number(offset));
        out.push({ what: `${formatAddress(pool.family, value)} (claim ${owner}, package ${pkg})`, sortKey: value.toString(16).padStart(32, '0') });
      }
    } else if (kv.key === prefixKey) {
      for (const [prefix, [owner, pkg]] of Object.entries(decodeRecord('prefixPool', kv.key, kv.value).held)) {
        out.push({ what: `${prefix} (claim ${owner}, package ${pkg})`, sortKey: prefix });
      }
    }
  }
  return out.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}
