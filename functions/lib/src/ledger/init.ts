/**
 * Whether a ledger is initialised. An empty prefix looks the same whether the ledger is new or
 * its etcd data was lost; allocating from a lost one would hand out addresses that packages still
 * hold in Git. So a ledger is marked when it is created (`netpipe ledger init`) or recreated from
 * Git (`netpipe ledger rebuild`), and renders refuse to allocate without the mark.
 */
import { EtcdClient, prefixEnd } from './etcd';
import { InitRecord, LedgerKeys } from './keys';

/** Why a render refuses an unmarked ledger, and what to run. */
export function notInitialised(ledger: string, prefix: string): string {
  return (
    `${ledger} is not initialised: there is no ${prefix}/v1/init marker, so an empty prefix may be a ledger whose data was lost. ` +
    `Nothing was allocated and no file changed. For a new ledger run \`netpipe ledger init --prefix ${prefix}\`; ` +
    `for a lost or wiped one run \`netpipe ledger rebuild --prefix ${prefix} DIR...\` with every package that uses it`
  );
}

export type InitOutcome = 'initialised' | 'already initialised';

/**
 * Marks the ledger under `keys.prefix` as initialised. A prefix that holds records but no mark
 * (a ledger written before marks existed, or a partly wiped one) is marked only with `existing`,
 * after the operator checked it against Git (`netpipe ledger verify`).
 */
export async function initialise(client: EtcdClient, keys: LedgerKeys, by: 'init' | 'rebuild', existing = false, now = new Date()): Promise<InitOutcome> {
  if (await client.get(keys.init())) return 'already initialised';
  const any = await client.range(keys.root(), prefixEnd(keys.root()), 1);
  if (any.length > 0 && !existing) {
    throw new Error(
      `the ledger under ${keys.prefix} holds records (${any[0].key}) but was never initialised: check it against the Git packages ` +
        `(netpipe ledger verify DIR...) and mark it with netpipe ledger init --existing, or wipe the prefix and netpipe ledger rebuild DIR...`,
    );
  }
  const r = await client.txn([{ key: keys.init(), absent: true }], [{ put: keys.init(), value: JSON.stringify(markerOf(by, now)) }]);
  return r.succeeded ? 'initialised' : 'already initialised';
}

export function markerOf(by: 'init' | 'rebuild', now = new Date()): InitRecord {
  return { initialised: now.toISOString(), by };
}
