/**
 * The shared address ledger on etcd: configuration, client, key layout, the snapshot-backed
 * address space and the edge that runs the ipam step against it (see edge.ts).
 */
export { CONFIG_KEYS, DEFAULT_PREFIX, ENV, ledgerConfig } from './config';
export type { LedgerConfig } from './config';
export { EtcdClient, EtcdError, prefixEnd } from './etcd';
export type { EtcdOptions, KeyValue } from './etcd';
export { LedgerKeys } from './keys';
export { ledgerFailure, withAddressLedger } from './edge';
export { renderFacts } from './render-facts';
export type { LedgerEdgeOptions } from './edge';
export type { IpamLedgerHooks } from './ipam-hooks';
export { functionLedgerConfig } from './function-config';
export { initialise, markerOf, notInitialised } from './init';
export type { InitOutcome } from './init';
