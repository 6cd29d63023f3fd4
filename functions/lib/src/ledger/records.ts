/**
 * Decoders of every record the ledger keeps: a value read from etcd is data someone (a render, an
 * operator with etcdctl, another tool sharing the prefix) wrote, so it is checked field by field
 * before anything relies on it. A record that does not decode fails the render naming the key and
 * what is wrong; `netpipe ledger verify` reports it.
 */
import type {
  AffinityRecord,
  ChunkRecord,
  CarveRecord,
  InitRecord,
  OwnerRecord,
  PackageRecord,
  PoolDefinition,
  PoolsRecord,
  PrefixPoolRecord,
  PublishedRecord,
  SubnetsRecord,
  VlanDefinition,
  VlanHolding,
  VlanIndexRecord,
} from './keys';
import type { LedgerKey } from './keys';
import type { Outcome } from '../ipam/result';

/** A value that is not what its key holds: which key, and what is wrong. */
export class LedgerRecordError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`key ${key}: ${problem}`);
  }
}

type Decoded<T> = Outcome<T, string>;
type Decoder<T> = (v: unknown, at: string) => Decoded<T>;

const good = <T>(value: T): Decoded<T> => ({ ok: true, value });
const bad = <T>(at: string, what: string, v: unknown): Decoded<T> => ({ ok: false, error: `${at || 'the value'} is ${describe(v)}, expected ${what}` });

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Decoder<string> = (v, at) => (typeof v === 'string' ? good(v) : bad(at, 'a string', v));
const hex: Decoder<string> = (v, at) => (typeof v === 'string' && /^[0-9a-f]{1,32}$/.test(v) ? good(v) : bad(at, 'a chunk index (hex digits)', v));
const int = (min: number, max: number): Decoder<number> => (v, at) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? good(v) : bad(at, `an integer from ${min} to ${max}`, v);
const nullable = <T>(d: Decoder<T>): Decoder<T | null> => (v, at) => (v === null ? good(null) : d(v, at));
const literal = <T extends string | boolean>(want: T): Decoder<T> => (v, at) => (v === want ? good(want) : bad(at, JSON.stringify(want), v));

function list<T>(d: Decoder<T>): Decoder<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) return bad(at, 'a list', v);
    const out: T[] = [];
    for (const [i, x] of v.entries()) {
      const r = d(x, `${at}[${i}]`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return good(out);
  };
}

/** An object of any keys (matching `keyPattern`) whose values all decode with `d`. */
function dict<T>(d: Decoder<T>, keyPattern?: RegExp, keyWhat?: string): Decoder<Record<string, T>> {
  return (v, at) => {
    if (!isPlain(v)) return bad(at, 'an object', v);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v)) {
      if (keyPattern && !keyPattern.test(k)) return { ok: false, error: `${at}: ${JSON.stringify(k)} is not ${keyWhat}` };
      const r = d(x, `${at}.${k}`);
      if (!r.ok) return r;
      out[k] = r.value;
    }
    return good(out);
  };
}

type Fields<T> = { [K in keyof T]-?: Decoder<T[K]> };

/** An object with exactly these fields (those whose decoder accepts undefined may be absent). */
function obj<T>(fields: Fields<T>): Decoder<T> {
  return (v, at) => {
    if (!isPlain(v)) return bad(at, 'an object', v);
    const out: Partial<T> = {};
    for (const name of Object.keys(fields) as (keyof T & string)[]) {
      const r = fields[name](v[name], at ? `${at}.${name}` : name);
      if (!r.ok) return r;
      if (r.value !== undefined) out[name] = r.value;
    }
    for (const name of Object.keys(v)) if (!(name in fields)) return { ok: false, error: `${at ? `${at}.` : ''}${name} is not a field of this record` };
    return good(out as T);
  };
}

const optional = <T>(d: Decoder<T>): Decoder<T | undefined> => (v, at) => (v === undefined ? good(undefined) : d(v, at));

/** `[claim identity, package]`. */
const holder: Decoder<readonly [string, string]> = (v, at) => {
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return bad(at, '[claim identity, package]', v);
  return good([v[0], v[1]] as const);
};

const poolDefinition: Decoder<PoolDefinition> = obj<PoolDefinition>({
  prefix: str,
  kind: optional((v, at) => (v === 'pool' || v === 'loopback' || v === 'aggregate' ? good(v) : bad(at, '"pool", "loopback" or "aggregate"', v))),
  gateway: nullable(str),
  exclusions: list(str),
  labels: dict(str),
  by: optional(str),
});

const decodePools = obj<PoolsRecord>({ pools: list(poolDefinition), package: str });
const decodeOwner = obj<OwnerRecord>({
  address: str,
  prefix: str,
  pool: str,
  cluster: str,
  package: str,
  labels: optional(dict(str)),
  gateway: optional(str),
  block: optional(literal(true)),
});
const chunkShape = obj<ChunkRecord>({
  cluster: str,
  cursor: nullable(int(0, 63)),
  held: dict(holder, /^(0|[1-9]|[1-5][0-9]|6[0-3])$/, 'an offset in a chunk (0-63)'),
});
/** A chunk that holds nothing and was never allocated from is deleted, never written: such a value was put by something else. */
const decodeChunk: Decoder<ChunkRecord> = (v, at) => {
  const r = chunkShape(v, at);
  if (r.ok && r.value.cursor === null && Object.keys(r.value.held).length === 0) {
    return { ok: false, error: 'a chunk with no cursor and no holdings, which netpipe never writes (overwritten or truncated?): it cannot say which of its addresses are held' };
  }
  return r;
};
const decodeAffinity: Decoder<AffinityRecord> = dict(hex);
const decodeCarve: Decoder<CarveRecord> = dict(hex);
const decodeSubnets = obj<SubnetsRecord>({ cursors: dict(str), carved: dict(dict(str)) });
const decodePrefixPool = obj<PrefixPoolRecord>({ cursor: nullable(str), held: dict(holder) });
const decodePackage = obj<PackageRecord>({
  holdings: list(obj<{ ni: string; owner: string }>({ ni: str, owner: str })),
  vlans: optional(list(str)),
});
const vlanHolding = obj<VlanHolding>({ binding: str, holders: list(holder) });
const vlanDefinition = obj<VlanDefinition>({ min: int(1, 4094), max: int(1, 4094), exclude: list(str) });
const decodeVlanIndex = obj<VlanIndexRecord>({
  definition: nullable(vlanDefinition),
  package: str,
  cursor: nullable(int(1, 4094)),
  held: dict(vlanHolding, /^[1-9][0-9]{0,3}$/, 'a VLAN ID'),
});
const decodeInit = obj<InitRecord>({ initialised: str, by: str });
const decodePublished = obj<PublishedRecord>({ defines: dict(list(str)) });

/** The decoder of each key kind's record. */
export interface RecordOf {
  pools: PoolsRecord;
  owner: OwnerRecord;
  chunk: ChunkRecord;
  affinity: AffinityRecord;
  carve: CarveRecord;
  subnets: SubnetsRecord;
  prefixPool: PrefixPoolRecord;
  vlan: VlanIndexRecord;
  package: PackageRecord;
  published: PublishedRecord;
  init: InitRecord;
}

const DECODERS: { [K in keyof RecordOf]: Decoder<RecordOf[K]> } = {
  pools: decodePools,
  owner: decodeOwner,
  chunk: decodeChunk,
  affinity: decodeAffinity,
  carve: decodeCarve,
  subnets: decodeSubnets,
  prefixPool: decodePrefixPool,
  vlan: decodeVlanIndex,
  package: decodePackage,
  published: decodePublished,
  init: decodeInit,
};

/** The record a value of `kind` holds, or a LedgerRecordError naming the key. */
export function decodeRecord<K extends keyof RecordOf>(kind: K, key: string, text: string): RecordOf[K] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new LedgerRecordError(key, `does not hold JSON (${JSON.stringify(text.slice(0, 40))}); is ledgerPrefix shared with something else?`);
  }
  const r = DECODERS[kind](parsed, '');
  if (!r.ok) throw new LedgerRecordError(key, `not a valid ${kind} record: ${r.error}`);
  return r.value;
}

/** A decoded key-value of any kind: what the CLI reads when it reads the whole ledger. */
export type AnyRecord = { [K in keyof RecordOf]: { kind: K; key: Extract<LedgerKey, { kind: K }>; record: RecordOf[K] } }[keyof RecordOf];

/** Decodes a value for its parsed key; a LedgerRecordError when it does not fit. */
export function decodeAny(key: LedgerKey, text: string): AnyRecord {
  switch (key.kind) {
    case 'pools':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'owner':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'chunk':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'affinity':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'carve':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'subnets':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'prefixPool':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'vlan':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'package':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'published':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
    case 'init':
      return { kind: key.kind, key, record: decodeRecord(key.kind, key.text, text) };
  }
}
