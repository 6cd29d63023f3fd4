import { createAddressSpace, IntervalSet, nextFreeAlignedBlock } from '../../src/ipam';
import { errorOf, unwrap } from './helpers';

function poolSpace(...prefixes: string[]) {
  const space = createAddressSpace('vpc-internet');
  for (const prefix of prefixes) unwrap(space.addPool({ prefix, gateway: null }));
  return space;
}

describe('aligned block allocation', () => {
  it('hands out aligned blocks of mixed lengths without overlap, next-fit', () => {
    const space = poolSpace('10.0.0.0/8');
    expect(unwrap(space.allocateBlock('a', ['10.0.0.0/8'], 24)).prefix).toBe('10.0.0.0/24');
    // A /16 cannot start inside the first /16, which holds a /24: the next aligned /16.
    expect(unwrap(space.allocateBlock('b', ['10.0.0.0/8'], 16)).prefix).toBe('10.1.0.0/16');
    // Next-fit: after the cursor (end of 10.1.0.0/16), not back in the gap after 10.0.0.0/24.
    expect(unwrap(space.allocateBlock('c', ['10.0.0.0/8'], 24)).prefix).toBe('10.2.0.0/24');
    expect(unwrap(space.allocateBlock('d', ['10.0.0.0/8'], 9)).prefix).toBe('10.128.0.0/9');
    // Asking again returns the same block.
    expect(unwrap(space.allocateBlock('b', ['10.0.0.0/8'], 16)).prefix).toBe('10.1.0.0/16');
    expect(space.blocks().map((b) => b.prefix)).toEqual(['10.0.0.0/24', '10.1.0.0/16', '10.2.0.0/24', '10.128.0.0/9']);
  });

  it('reuses a released block only after every never-used one (wraps around)', () => {
    const space = poolSpace('10.0.0.0/22');
    const got = ['a', 'b', 'c', 'd'].map((o) => unwrap(space.allocateBlock(o, ['10.0.0.0/22'], 24)).prefix);
    expect(got).toEqual(['10.0.0.0/24', '10.0.1.0/24', '10.0.2.0/24', '10.0.3.0/24']);
    expect(errorOf(space.allocateBlock('e', ['10.0.0.0/22'], 24)).code).toBe('exhausted');
    space.releaseBlock('b');
    space.releaseBlock('a');
    expect(unwrap(space.allocateBlock('e', ['10.0.0.0/22'], 24)).prefix).toBe('10.0.0.0/24');
    expect(unwrap(space.allocateBlock('f', ['10.0.0.0/22'], 24)).prefix).toBe('10.0.1.0/24');
  });

  it('never overlaps addresses, and addresses never land in blocks', () => {
    const space = createAddressSpace('n');
    unwrap(space.addPool({ prefix: '10.0.0.0/24', gateway: null }));
    unwrap(space.reserve('addr', '10.0.0.5'));
    expect(unwrap(space.allocateBlock('blk', ['10.0.0.0/24'], 29)).prefix).toBe('10.0.0.8/29');
    const conflict = errorOf(space.reserve('late', '10.0.0.9'));
    expect(conflict.code).toBe('address-conflict');
    expect(conflict.message).toContain('10.0.0.8/29');
    expect(conflict.owners).toEqual(['blk', 'late']);
    expect(errorOf(space.reserveBlock('x', '10.0.0.0/29')).message).toContain('held by "addr"');
    expect(unwrap(space.allocate('next', ['10.0.0.0/24'])).address).toBe('10.0.0.16');
  });

  it('refuses records that are not blocks, outside the pools, or larger than every pool', () => {
    const space = poolSpace('10.0.0.0/16');
    expect(errorOf(space.reserveBlock('a', '10.0.0.1/24')).code).toBe('host-bits-set');
    expect(errorOf(space.reserveBlock('a', '10.9.0.0/24')).code).toBe('outside-pools');
    expect(errorOf(space.allocateBlock('a', ['10.0.0.0/16'], 8)).code).toBe('invalid-block');
    expect(errorOf(space.allocateBlock('a', ['10.0.0.0/16'], 33)).code).toBe('invalid-block');
    unwrap(space.reserveBlock('a', '10.0.4.0/22'));
    expect(errorOf(space.reserveBlock('b', '10.0.0.0/21')).owners).toEqual(['a', 'b']);
    expect(errorOf(space.reserveBlock('a', '10.0.8.0/22')).code).toBe('owner-conflict');
  });

  it('finds the holder of an address inside IPv6 /64 blocks', () => {
    const space = poolSpace('2001:db8::/48');
    const got = ['a', 'b', 'c'].map((o) => unwrap(space.allocateBlock(o, ['2001:db8::/48'], 64)).prefix);
    expect(got).toEqual(['2001:db8::/64', '2001:db8:0:1::/64', '2001:db8:0:2::/64']);
    expect(errorOf(space.reserve('x', '2001:db8:0:1::9')).owners).toEqual(['b', 'x']);
    space.releaseBlock('b');
    expect(unwrap(space.reserve('x', '2001:db8:0:1::9')).address).toBe('2001:db8:0:1::9');
  });

  it('costs by fragments: an IPv6 /32 pool finds /64 blocks past a million held ones at once', () => {
    const taken = new IntervalSet();
    // 2^20 /64s held as one interval, then a single held address in the next /64.
    taken.add(0n, (1n << 84n) - 1n);
    taken.add((1n << 84n) + 5n);
    const size = 1n << 64n;
    expect(nextFreeAlignedBlock(taken, 0n, (1n << 96n) - 1n, size, undefined)).toBe((1n << 84n) + size);
  });
});
