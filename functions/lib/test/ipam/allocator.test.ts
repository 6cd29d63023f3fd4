import { createAddressSpace, InMemoryAddressSpace } from '../../src/ipam';
import { allocateN, errorOf, pool, spaceWith, unwrap } from './helpers';

describe('allocate', () => {
  it('hands out usable addresses in order, skipping gateway and exclusions', () => {
    const space = spaceWith({ prefix: '10.1.3.0/28', exclusions: ['10.1.3.3-10.1.3.5', '10.1.3.8/30'] });
    expect(allocateN(space, ['10.1.3.0/28'], 5)).toEqual(['10.1.3.2', '10.1.3.6', '10.1.3.7', '10.1.3.12', '10.1.3.13']);
  });

  it('records prefix and gateway as claims need them', () => {
    const space = spaceWith('10.1.3.0/24');
    expect(unwrap(space.allocate('upf-n3-ipv4', ['10.1.3.0/24']))).toEqual({
      owner: 'upf-n3-ipv4',
      family: 'ipv4',
      address: '10.1.3.2',
      prefix: '10.1.3.2/24',
      gateway: '10.1.3.1',
      poolId: '10.1.3.0/24',
    });
  });

  it.each([
    ['192.168.0.0/30', ['192.168.0.2']],
    ['192.168.0.0/31', ['192.168.0.0', '192.168.0.1']],
    ['192.168.0.9/32', ['192.168.0.9']],
    ['2001:db8::/126', ['2001:db8::2', '2001:db8::3']],
    ['2001:db8::/127', ['2001:db8::', '2001:db8::1']],
    ['2001:db8::9/128', ['2001:db8::9']],
  ])('%s holds exactly %j', (prefix, expected) => {
    const space = spaceWith(prefix);
    expect(allocateN(space, [prefix], expected.length)).toEqual(expected);
    expect(errorOf(space.allocate('one-too-many', [prefix])).code).toBe('exhausted');
  });

  it('never hands out the IPv6 subnet-router anycast address, even after wrapping', () => {
    const space = spaceWith({ prefix: '2001:db8::/125', gateway: null });
    const got = allocateN(space, ['2001:db8::/125'], 7);
    expect(got).toEqual(['2001:db8::1', '2001:db8::2', '2001:db8::3', '2001:db8::4', '2001:db8::5', '2001:db8::6', '2001:db8::7']);
    space.release('o0');
    expect(unwrap(space.allocate('again', ['2001:db8::/125'])).address).toBe('2001:db8::1');
    expect(errorOf(space.allocate('full', ['2001:db8::/125'])).code).toBe('exhausted');
  });

  it('falls through to the next pool in the order given', () => {
    const space = spaceWith('10.0.0.0/30', '10.0.1.0/30');
    const ids = ['10.0.1.0/30', '10.0.0.0/30'];
    expect(allocateN(space, ids, 2)).toEqual(['10.0.1.2', '10.0.0.2']);
  });

  it('returns what the owner already holds in these pools', () => {
    const space = spaceWith('10.0.0.0/24');
    const a = unwrap(space.allocate('x', ['10.0.0.0/24']));
    expect(unwrap(space.allocate('x', ['10.0.0.0/24']))).toEqual(a);
    expect(space.usage('10.0.0.0/24')?.held).toBe(1);
  });

  it('refuses a second address of the same family from other pools', () => {
    const space = spaceWith('10.0.0.0/24', '10.0.1.0/24');
    unwrap(space.allocate('x', ['10.0.0.0/24']));
    const e = errorOf(space.allocate('x', ['10.0.1.0/24']));
    expect(e.code).toBe('owner-conflict');
    expect(e.message).toMatch(/already holds 10.0.0.2/);
  });

  it('reports request mistakes', () => {
    const space = spaceWith('10.0.0.0/24', '2001:db8::/64');
    expect(errorOf(space.allocate('x', [])).code).toBe('no-pools');
    expect(errorOf(space.allocate('x', ['10.9.0.0/24'])).message).toMatch(/does not have \(it has: 10.0.0.0\/24, 2001:db8::\/64\)/);
    expect(errorOf(space.allocate('x', ['10.0.0.0/24', '2001:db8::/64'])).code).toBe('family-mismatch');
    // Pool ids are matched in any spelling of the prefix.
    expect(unwrap(space.allocate('y', ['2001:DB8:0::/64'])).address).toBe('2001:db8::2');
  });

  it('costs no more on an IPv4 /8 or an IPv6 /64 than on a /24', () => {
    const space = spaceWith(
      { prefix: '10.0.0.0/8', exclusions: ['10.0.0.0/9', '10.128.0.0-10.200.0.0'] },
      { prefix: '2001:db8::/64', exclusions: ['2001:db8::/65'] },
    );
    const start = Date.now();
    expect(unwrap(space.allocate('a', ['10.0.0.0/8'])).address).toBe('10.200.0.1');
    expect(unwrap(space.allocate('b', ['2001:db8::/64'])).address).toBe('2001:db8:0:0:8000::');
    unwrap(space.importState({ '10.0.0.0/8': '10.255.255.254', '2001:db8::/64': '2001:db8::ffff:ffff:ffff:ffff' }));
    expect(unwrap(space.allocate('c', ['10.0.0.0/8'])).address).toBe('10.200.0.2'); // wrapped past the exclusions
    expect(unwrap(space.allocate('d', ['2001:db8::/64'])).address).toBe('2001:db8::8000:0:0:1');
    expect(Date.now() - start).toBeLessThan(50);
  });
});

describe('exhaustion', () => {
  it('names the pool, its usable size, how many are used and the exclusions', () => {
    const space = createAddressSpace('n3');
    unwrap(space.addPool({ prefix: '10.0.0.0/29', exclusions: ['10.0.0.5-10.0.0.6'], name: 'n3-edge01' }));
    allocateN(space, ['10.0.0.0/29'], 3);
    const e = errorOf(space.allocate('late', ['10.0.0.0/29']));
    expect(e.code).toBe('exhausted');
    expect(e.owners).toEqual(['late']);
    expect(e.pools).toEqual(['10.0.0.0/29']);
    expect(e.message).toBe(
      'no free address for "late" in network instance "n3" - pool 10.0.0.0/29 (n3-edge01): 3 usable addresses, 3 in use ' +
        '(gateway 10.0.0.1; excluded 10.0.0.5-10.0.0.6). Add or widen a prefix, drop exclusions, or remove claims that are no longer needed',
    );
  });

  it('gives what the pools hold and what to do apart, for a caller that names the request itself', () => {
    const space = createAddressSpace('n3');
    unwrap(space.addPool({ prefix: '10.0.0.0/30', name: 'tiny' }));
    allocateN(space, ['10.0.0.0/30'], 1);
    const e = errorOf(space.allocate('late', ['10.0.0.0/30']));
    expect(e.detail).toBe('pool 10.0.0.0/30 (tiny): 1 usable addresses, 1 in use (gateway 10.0.0.1; no exclusions). Add or widen a prefix, drop exclusions, or remove claims that are no longer needed');
    expect(e.message).toBe(`no free address for "late" in network instance "n3" - ${e.detail}`);
    unwrap(space.addPool({ prefix: '10.1.0.0/24', name: 'blocks' }));
    unwrap(space.allocateBlock('a', ['10.1.0.0/24'], 25));
    const b = errorOf(space.allocateBlock('b', ['10.1.0.0/24'], 25));
    expect(b.detail).toBe('pool 10.1.0.0/24 (blocks): 1 blocks and 0 addresses held (gateway 10.1.0.1; no exclusions). Add or widen a pool, ask for a smaller block, or remove claims that are no longer needed');
    expect(b.message).toBe(`no free /25 block for "b" in network instance "n3" - ${b.detail}`);
  });
});

describe('next-fit', () => {
  it('reuses a released address last', () => {
    const space = spaceWith('10.0.0.0/29'); // usable .2-.6 after the gateway
    expect(allocateN(space, ['10.0.0.0/29'], 2)).toEqual(['10.0.0.2', '10.0.0.3']);
    space.release('o0');
    expect(unwrap(space.allocate('n1', ['10.0.0.0/29'])).address).toBe('10.0.0.4');
    expect(unwrap(space.allocate('n2', ['10.0.0.0/29'])).address).toBe('10.0.0.5');
    expect(unwrap(space.allocate('n3', ['10.0.0.0/29'])).address).toBe('10.0.0.6');
    expect(unwrap(space.allocate('n4', ['10.0.0.0/29'])).address).toBe('10.0.0.2'); // wrapped
  });

  it('keeps its cursor through export and import', () => {
    const space = spaceWith('10.0.0.0/24', '2001:db8::/64');
    allocateN(space, ['10.0.0.0/24'], 17);
    allocateN(space, ['2001:db8::/64'], 2, 'v6-');
    const state = space.exportState();
    expect(state).toEqual({ '10.0.0.0/24': '10.0.0.18', '2001:db8::/64': '2001:db8::3' });
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);

    const again = spaceWith('10.0.0.0/24', '2001:db8::/64');
    expect(unwrap(again.importState({ ...state, '10.9.9.0/24': '10.9.9.9' }))).toEqual({ ignored: ['10.9.9.0/24'] });
    expect(unwrap(again.allocate('next', ['10.0.0.0/24'])).address).toBe('10.0.0.19');
  });

  it('rejects a malformed cursor and changes nothing', () => {
    const space = spaceWith('10.0.0.0/24', '10.0.1.0/24');
    const e = errorOf(space.importState({ '10.0.0.0/24': '10.0.0.9', '10.0.1.0/24': '10.0.7.1' }));
    expect(e.code).toBe('invalid-state');
    expect(space.exportState()).toEqual({});
    expect(errorOf(space.importState({ '10.0.0.0/24': 'x' })).code).toBe('invalid-state');
  });

  it('reserve does not move the cursor', () => {
    const space = spaceWith('10.0.0.0/24');
    unwrap(space.reserve('static', '10.0.0.100'));
    expect(space.exportState()).toEqual({});
    expect(unwrap(space.allocate('x', ['10.0.0.0/24'])).address).toBe('10.0.0.2');
  });
});

describe('reserve', () => {
  it('accepts an address with or without the subnet length, in any spelling', () => {
    const space = spaceWith('10.1.3.0/24', '2001:db8::/64');
    expect(unwrap(space.reserve('a', '10.1.3.3/24')).prefix).toBe('10.1.3.3/24');
    expect(unwrap(space.reserve('b', '2001:DB8:0::3', ['2001:db8::/64'])).address).toBe('2001:db8::3');
    expect(space.holderOf('2001:db8::3')).toBe('b');
    expect(space.holderOf('10.1.3.3/24')).toBe('a');
    expect(space.holderOf('10.1.3.4')).toBeUndefined();
    // Idempotent for the same owner.
    expect(unwrap(space.reserve('a', '10.1.3.3')).address).toBe('10.1.3.3');
  });

  it('names both owners of a duplicated address', () => {
    const space = spaceWith('10.1.3.0/24');
    unwrap(space.reserve('upf-n3-ipv4', '10.1.3.3'));
    const e = errorOf(space.reserve('smf-n3-ipv4', '10.1.3.3'));
    expect(e.code).toBe('address-conflict');
    expect(e.owners).toEqual(['upf-n3-ipv4', 'smf-n3-ipv4']);
    expect(e.message).toMatch(/held by "upf-n3-ipv4" and also claimed by "smf-n3-ipv4"/);
  });

  it.each([
    ['10.1.3.0', /network address/],
    ['10.1.3.255', /broadcast address/],
    ['10.1.3.1', /the gateway/],
    ['10.1.3.50', /excluded by 10.1.3.48\/28/],
  ])('refuses reserved address %s', (address, why) => {
    const space = spaceWith({ prefix: '10.1.3.0/24', exclusions: ['10.1.3.48/28'] });
    const e = errorOf(space.reserve('x', address));
    expect(e.code).toBe('reserved-address');
    expect(e.message).toMatch(why);
  });

  it('refuses the IPv6 subnet-router anycast address', () => {
    const e = errorOf(spaceWith('2001:db8:1::/64').reserve('x', '2001:db8:1::'));
    expect(e.code).toBe('reserved-address');
    expect(e.message).toMatch(/subnet-router anycast/);
  });

  it('refuses addresses outside the pools, saying which pool they belong to', () => {
    const space = spaceWith('10.1.3.0/24', '10.1.4.0/24');
    expect(errorOf(space.reserve('x', '10.9.0.1')).message).toMatch(/outside every pool of network instance "test-net"/);
    const e = errorOf(space.reserve('x', '10.1.4.7', ['10.1.3.0/24']));
    expect(e.code).toBe('outside-pools');
    expect(e.message).toMatch(/belongs to pool 10.1.4.0\/24, which "x" does not select/);
  });

  it('keeps an address recorded with another prefix length (the pool widened or shrank in place) with the pool\'s length', () => {
    expect(unwrap(spaceWith('10.1.3.0/24').reserve('x', '10.1.3.3/25')).prefix).toBe('10.1.3.3/24');
    expect(unwrap(spaceWith('10.1.0.0/23').reserve('y', '10.1.0.9/24')).prefix).toBe('10.1.0.9/23');
    // Shrunk below the address: outside the pool, or its broadcast now, is still refused.
    expect(errorOf(spaceWith('10.1.3.0/28').reserve('z', '10.1.3.20/27')).code).toBe('outside-pools');
    expect(errorOf(spaceWith('10.1.3.0/28').reserve('w', '10.1.3.15/27')).code).toBe('reserved-address');
  });

  it('refuses a second address of the same family for one owner, allows the other family', () => {
    const space = spaceWith('10.1.3.0/24', '2001:db8::/64');
    unwrap(space.reserve('if', '10.1.3.3'));
    expect(errorOf(space.reserve('if', '10.1.3.4')).code).toBe('owner-conflict');
    unwrap(space.reserve('if', '2001:db8::3'));
    expect(space.allocationsOf('if').map((a) => a.address)).toEqual(['10.1.3.3', '2001:db8::3']);
  });

  it('handles addresses far into a /64 (offsets beyond 2^53)', () => {
    const space = spaceWith('2001:db8::/64');
    unwrap(space.reserve('far', '2001:db8::dead:beef:1:2'));
    expect(space.holderOf('2001:db8::dead:beef:1:2')).toBe('far');
    expect(errorOf(space.reserve('other', '2001:db8::dead:beef:1:2')).owners).toEqual(['far', 'other']);
    unwrap(space.importState({ '2001:db8::/64': '2001:db8::dead:beef:1:1' }));
    expect(unwrap(space.allocate('next', ['2001:db8::/64'])).address).toBe('2001:db8::dead:beef:1:3');
    expect(space.allocations().map((a) => a.owner)).toEqual(['far', 'next']);
    expect(space.usage('2001:db8::/64')?.held).toBe(2);
    expect(space.release('far').map((a) => a.address)).toEqual(['2001:db8::dead:beef:1:2']);
    expect(space.holderOf('2001:db8::dead:beef:1:2')).toBeUndefined();
  });

  it('rejects garbage', () => {
    expect(errorOf(spaceWith('10.1.3.0/24').reserve('x', '10.1.3.x')).code).toBe('invalid-address');
  });
});

describe('release', () => {
  it('frees what the owner holds, per family if asked', () => {
    const space = spaceWith('10.1.3.0/24', '2001:db8::/64');
    unwrap(space.allocate('if', ['10.1.3.0/24']));
    unwrap(space.allocate('if', ['2001:db8::/64']));
    expect(space.release('if', 'ipv6').map((a) => a.address)).toEqual(['2001:db8::2']);
    expect(space.holderOf('2001:db8::2')).toBeUndefined();
    expect(space.release('if').map((a) => a.address)).toEqual(['10.1.3.2']);
    expect(space.release('if')).toEqual([]);
    expect(space.allocations()).toEqual([]);
    expect(space.usage('10.1.3.0/24')).toEqual({ poolId: '10.1.3.0/24', usable: 253n, held: 0, cursor: '10.1.3.2' });
  });
});

describe('pools in a space', () => {
  it('refuses overlapping prefixes, naming both', () => {
    const space = createAddressSpace('n3');
    unwrap(space.addPool({ prefix: '10.0.0.0/16', name: 'wide' }));
    const e = errorOf(space.addPool({ prefix: '10.0.3.0/24', name: 'narrow' }));
    expect(e.code).toBe('pool-overlap');
    expect(e.pools).toEqual(['10.0.0.0/16', '10.0.3.0/24']);
    expect(e.message).toMatch(/pool 10.0.3.0\/24 \(narrow\) and pool 10.0.0.0\/16 \(wide\) in network instance "n3"/);
  });

  it('accepts the same pool twice, but not with a different definition', () => {
    const space = spaceWith('10.0.0.0/24');
    unwrap(space.addPool({ prefix: '10.0.0.0/24' }));
    expect(errorOf(space.addPool({ prefix: '10.0.0.0/24', gateway: '10.0.0.254' })).message).toMatch(/defined twice/);
    expect(space.pools().map((p) => p.id)).toEqual(['10.0.0.0/24']);
  });

  it('lets families and separate subnets coexist, listed in address order', () => {
    const space = spaceWith('2001:db8::/64', '10.0.1.0/24', '10.0.0.0/24');
    unwrap(space.addPool(pool('1.0.0.0/8'))); // 1/8 touches nothing here
    expect(space.pools().map((p) => p.id)).toEqual(['1.0.0.0/8', '10.0.0.0/24', '10.0.1.0/24', '2001:db8::/64']);
  });

  it('passes pool validation errors through', () => {
    expect(errorOf(createAddressSpace().addPool({ prefix: '10.0.0.1/24' })).code).toBe('host-bits-set');
  });
});

describe('allocateMany (dual-stack)', () => {
  it('allocates both families', () => {
    const space = spaceWith('10.0.0.0/24', '2001:db8::/64');
    const got = unwrap(
      space.allocateMany([
        { owner: 'upf-n3-ipv4', poolIds: ['10.0.0.0/24'] },
        { owner: 'upf-n3-ipv6', poolIds: ['2001:db8::/64'] },
      ]),
    );
    expect(got.map((a) => a.prefix)).toEqual(['10.0.0.2/24', '2001:db8::2/64']);
  });

  it('allocates neither when one family is exhausted, leaving cursors as they were', () => {
    const space = spaceWith('10.0.0.0/30', '2001:db8::/64');
    unwrap(space.allocate('first', ['10.0.0.0/30']));
    unwrap(space.allocate('v6-first', ['2001:db8::/64']));
    const before = space.exportState();
    const e = errorOf(
      space.allocateMany([
        { owner: 'if', poolIds: ['2001:db8::/64'] },
        { owner: 'if', poolIds: ['10.0.0.0/30'] },
      ]),
    );
    expect(e.code).toBe('exhausted');
    expect(e.message).toMatch(/^nothing was allocated for "if" \(all families or none\)/);
    expect(space.allocationsOf('if')).toEqual([]);
    expect(space.exportState()).toEqual(before);
    expect(unwrap(space.allocate('later', ['2001:db8::/64'])).address).toBe('2001:db8::3');
  });

  it('keeps an address the owner already held when the batch fails', () => {
    const space = spaceWith('10.0.0.0/30', '2001:db8::/64');
    unwrap(space.allocate('other', ['10.0.0.0/30']));
    const held = unwrap(space.allocate('if', ['2001:db8::/64']));
    errorOf(
      space.allocateMany([
        { owner: 'if', poolIds: ['2001:db8::/64'] },
        { owner: 'if', poolIds: ['10.0.0.0/30'] },
      ]),
    );
    expect(space.allocationsOf('if')).toEqual([held]);
  });

  it('refuses two requests for one owner and family', () => {
    const space = spaceWith('10.0.0.0/24');
    const e = errorOf(
      space.allocateMany([
        { owner: 'if', poolIds: ['10.0.0.0/24'] },
        { owner: 'if', poolIds: ['10.0.0.0/24'] },
      ]),
    );
    expect(e.code).toBe('duplicate-request');
    expect(space.allocations()).toEqual([]);
  });
});

describe('determinism', () => {
  it('gives the same results for the same calls', () => {
    const run = () => {
      const space = new InMemoryAddressSpace('n');
      unwrap(space.addPool({ prefix: '10.0.0.0/27', exclusions: ['10.0.0.7'] }));
      const out: string[] = [];
      for (let i = 0; i < 60; i++) {
        const r = space.allocate(`o${i}`, ['10.0.0.0/27']);
        out.push(r.ok ? r.value.address : r.error.code);
        if (i % 3 === 0) space.release(`o${(i * 7) % (i + 1)}`);
      }
      return { out, state: space.exportState(), all: space.allocations() };
    };
    expect(run()).toEqual(run());
  });
});
