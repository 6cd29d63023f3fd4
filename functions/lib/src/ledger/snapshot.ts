/**
 * Everything a render read from etcd during one attempt, with revisions for the commit's guard,
 * and the one way to read a record out of it: decoded and validated (records.ts), never cast.
 */
import type { NiSnapshot } from './space';
import type { ChunkState } from './slots';
import type { ReadView } from './commit';
import { EtcdClient, KeyValue, prefixEnd } from './etcd';
import { indexOfText, LedgerKeys, OwnerRecord, PrefixPoolRecord } from './keys';
import { decodeAny, decodeRecord, LedgerRecordError, RecordOf } from './records';

/** What the pure phases read of a snapshot: values as read, decoded records, the chunks carved. */
export interface SnapshotReader {
  /** Key -> what was read (null: read, absent); keys not read are not in it. */
  readonly kv: ReadonlyMap<string, KeyValue | null>;
  /** Network instance -> `pool|cluster` -> fresh chunks carved for this render, in order. */
  readonly carved: ReadonlyMap<string, ReadonlyMap<string, readonly bigint[]>>;
  record<K extends keyof RecordOf>(kind: K, key: string): RecordOf[K] | undefined;
  chunkState(key: string, poolId: string, index: bigint): ChunkState | undefined;
}

/** Everything read from etcd during one attempt, with revisions for the commit's guard. */
export class Snapshot implements SnapshotReader {
  readonly kv = new Map<string, KeyValue | null>();
  /** Keys read one by one: every one of them is compared at commit. */
  readonly guarded = new Set<string>();
  readonly carved = new Map<string, Map<string, bigint[]>>();
  readonly carveNext = new Map<string, bigint>();
  readonly borrow = new Map<string, Set<string>>();
  /** Prefixes read whole by `fetchPrefix`. */
  readonly prefixesRead = new Set<string>();

  constructor(
    /** Only `fetch` and `fetchPrefix` use it: the rest reads what was read. */
    readonly client: Pick<EtcdClient, 'txn' | 'range'>,
    readonly keys: LedgerKeys,
  ) {}

  /** A snapshot of values read elsewhere (the CLI reads a whole prefix), checked as they would be on arrival; it reads nothing more. */
  static of(keys: LedgerKeys, kvs: readonly KeyValue[]): Snapshot {
    const refuse = (): Promise<never> => Promise.reject(new Error('a snapshot of values read elsewhere reads nothing more'));
    const snap = new Snapshot({ txn: refuse, range: refuse }, keys);
    for (const kv of kvs) {
      snap.check(kv);
      snap.kv.set(kv.key, kv);
    }
    return snap;
  }

  async fetch(keys: readonly string[]): Promise<void> {
    const missing = [...new Set(keys)].filter((k) => !this.kv.has(k));
    for (let i = 0; i < missing.length; i += 100) {
      const chunk = missing.slice(i, i + 100);
      const r = await this.client.txn([], chunk.map((k) => ({ range: k })));
      chunk.forEach((k, j) => {
        const kv = r.ranges[j][0];
        if (kv) this.check(kv);
        this.kv.set(k, kv ?? null);
        this.guarded.add(k);
      });
    }
  }

  async fetchPrefix(prefix: string): Promise<void> {
    for (const kv of await this.client.range(prefix, prefixEnd(prefix))) {
      if (this.kv.has(kv.key)) continue;
      this.check(kv);
      this.kv.set(kv.key, kv);
    }
    this.prefixesRead.add(prefix);
  }

  /** Every value read is decoded once on arrival, used or not: a bad record fails the render. */
  private check(kv: KeyValue): void {
    const key = this.keys.parse(kv.key);
    if (!key) throw new LedgerRecordError(kv.key, 'is not a key of the ledger layout');
    decodeAny(key, kv.value);
  }

  /**
   * The record `key` holds (undefined when absent or not read), checked against the layout:
   * a key of another kind or a value that does not decode throws a LedgerRecordError.
   */
  record<K extends keyof RecordOf>(kind: K, key: string): RecordOf[K] | undefined {
    const kv = this.kv.get(key);
    if (!kv) return undefined;
    const parsed = this.keys.parse(key);
    if (parsed?.kind !== kind) throw new LedgerRecordError(key, `is not a ${kind} key of the ledger layout`);
    return decodeRecord(kind, key, kv.value);
  }

  chunkState(key: string, poolId: string, index: bigint): ChunkState | undefined {
    if (!this.kv.has(key)) return undefined;
    const rec = this.record('chunk', key);
    return {
      key,
      poolId,
      index,
      exists: rec !== undefined,
      cluster: rec?.cluster ?? '',
      cursor: rec?.cursor ?? null,
      held: new Map(Object.entries(rec?.held ?? {}).map(([o, h]) => [Number(o), h])),
    };
  }
}



/** Values and revisions as the snapshot read them, for the commit's guards. */
export function readView(snap: SnapshotReader): ReadView {
  return {
    value: (k) => (snap.kv.has(k) ? (snap.kv.get(k)?.value ?? null) : undefined),
    revision: (k) => (snap.kv.has(k) ? (snap.kv.get(k)?.modRevision ?? null) : undefined),
  };
}

/** What the snapshot read of one network instance, in the shape its `LedgerSpace` reads. */
export function niSnapshot(snap: Snapshot, keys: LedgerKeys, ni: string): NiSnapshot {
  const owners = new Map<string, OwnerRecord>();
  const chunks = new Map<string, ChunkState>();
  const affinity = new Map<string, Map<string, bigint>>();
  const prefixPools = new Map<string, PrefixPoolRecord | null>();
  const under = keys.ni(ni);
  for (const [k, kv] of snap.kv) {
    if (!k.startsWith(under)) continue;
    const key = keys.parse(k);
    switch (key?.kind) {
      case 'prefixPool':
        prefixPools.set(key.pool, kv ? (snap.record('prefixPool', k) ?? null) : null);
        break;
      case 'owner': {
        const rec = kv ? snap.record('owner', k) : undefined;
        if (rec) owners.set(key.binding, rec);
        break;
      }
      case 'affinity':
        if (kv) affinity.set(key.cluster, new Map(Object.entries(snap.record('affinity', k) ?? {}).map(([p, i]) => [p, indexOfText(i)])));
        break;
      case 'chunk': {
        // By the key alone: a pool carved in this render (a new per-cluster subnet) is no known pool yet.
        const b = snap.chunkState(k, key.pool, key.index);
        if (b) chunks.set(k, b);
        break;
      }
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
