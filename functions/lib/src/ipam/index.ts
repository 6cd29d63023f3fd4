export {
  blockSize,
  canonicalAddress,
  FAMILY_BITS,
  formatAddress,
  formatCidr,
  networkOf,
  parseAddress,
  parseAddressWithLength,
} from './address';
export type { AddressWithLength, IpAddress, IpFamily } from './address';
export { createAddressSpace, InMemoryAddressSpace } from './allocator';
export { IntervalSet } from './interval-set';
export type { Interval } from './interval-set';
export type { AddressSpace, Allocation, AllocationRequest, BlockAllocation, CursorState, PoolUsage } from './address-space';
export { alignUp, firstFreeAlignedBlock, nextFreeAlignedBlock } from './aligned-blocks';
export { createPool, Pool, prefixOf } from './pool';
export type { PoolSpec, ReservedRange } from './pool';
export { fail, ok } from './result';
export type { IpamError, IpamErrorCode, Outcome } from './result';
export { createVlanSpace, InMemoryVlanSpace, parseVlanRange, RESERVED_VLANS, VLAN_MAX, VLAN_MIN } from './vlan-space';
export type { VlanSpace, VlanRangeSpec } from './vlan-space';
