/**
 * Everything a render read from etcd during one attempt, with revisions for the commit's guard,
 * and the one way to read a record out of it: decoded and validated (records.ts), never cast.
 */
import type { ChunkState } from './space';
import { EtcdClient, KeyValue, prefixEnd } from './etcd';
import { LedgerKeys } from './keys';
import { decodeAny, decodeRecord, LedgerRecordError, RecordOf } from './records';

/** Everything read from etcd during one attempt, with revisions for the commit's guard. */
export class Snapshot {
  readonly kv = new Map<string, KeyValue | null>();
  /** Keys read one by one: every one of them is compared at commit. */
  readonly guarded = new Set<string>();
  readonly carved = new Map<string, Map<string, bigint[]>>();
  readonly carveNext = new Map<string, bigint>();
  readonly borrow = new Map<string, Set<string>>();
  /** Prefixes read whole by `fetchPrefix`. */
  readonly prefixesRead = new Set<string>();

  constructor(
    readonly client: EtcdClient,
    readonly keys: LedgerKeys,
  ) {}

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


