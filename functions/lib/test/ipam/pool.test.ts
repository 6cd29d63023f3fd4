import { createPool, formatAddress, prefixOf } from '../../src/ipam';
import { errorOf, pool } from './helpers';

/** Usable bounds and gateway, as text, for compact expectations. */
function shape(prefix: string, extra = {}) {
  const p = pool(prefix, extra);
  return {
    first: formatAddress(p.family, p.firstUsable),
    last: formatAddress(p.family, p.lastUsable),
    gateway: p.gatewayAddress,
    usable: p.usableSize,
  };
}

describe('usable range by prefix size', () => {
  it.each([
    ['10.1.3.0/24', '10.1.3.1', '10.1.3.254', '10.1.3.1', 253n],
    ['10.0.0.0/8', '10.0.0.1', '10.255.255.254', '10.0.0.1', 16777213n],
    ['192.168.1.4/30', '192.168.1.5', '192.168.1.6', '192.168.1.5', 1n],
    ['192.168.1.4/31', '192.168.1.4', '192.168.1.5', undefined, 2n],
    ['192.168.1.4/32', '192.168.1.4', '192.168.1.4', undefined, 1n],
    ['2001:db8:1::/64', '2001:db8:1::1', '2001:db8:1:0:ffff:ffff:ffff:ffff', '2001:db8:1::1', (1n << 64n) - 2n],
    ['2001:db8::/126', '2001:db8::1', '2001:db8::3', '2001:db8::1', 2n],
    ['2001:db8::/127', '2001:db8::', '2001:db8::1', undefined, 2n],
    ['2001:db8::5/128', '2001:db8::5', '2001:db8::5', undefined, 1n],
  ])('%s: usable %s..%s, gateway %s, %s addresses', (prefix, first, last, gateway, usable) => {
    expect(shape(prefix)).toEqual({ first, last, gateway, usable });
  });

  it('names why an address is reserved', () => {
    const p = pool('10.1.3.0/24', { exclusions: ['10.1.3.10-10.1.3.20', '10.1.3.64/30', '10.1.3.99'] });
    const v = (last: number) => 0x0a010300n + BigInt(last);
    expect(p.reservedReason(v(0))).toBe('the network address');
    expect(p.reservedReason(v(255))).toBe('the broadcast address');
    expect(p.reservedReason(v(1))).toBe('the gateway');
    expect(p.reservedReason(v(15))).toBe('excluded by 10.1.3.10-10.1.3.20');
    expect(p.reservedReason(v(67))).toBe('excluded by 10.1.3.64/30');
    expect(p.reservedReason(v(99))).toBe('excluded by 10.1.3.99');
    expect(p.reservedReason(v(2))).toBeUndefined();
    expect(p.reservedReason(v(100))).toBeUndefined();
    expect(p.usableSize).toBe(253n - 11n - 4n - 1n);
    const six = pool('2001:db8::/64');
    expect(six.reservedReason(six.network)).toMatch(/subnet-router anycast/);
    expect(six.reservedReason(six.lastAddress)).toBeUndefined(); // IPv6 has no broadcast
  });
});

describe('gateway', () => {
  it('defaults to the first usable address', () => {
    expect(pool('10.0.0.0/24').gatewayAddress).toBe('10.0.0.1');
    expect(pool('2001:db8::/64').gatewayAddress).toBe('2001:db8::1');
  });
  it('takes an explicit address or a Nephio-style gateway prefix', () => {
    expect(pool('10.0.0.0/24', { gateway: '10.0.0.254' }).gatewayAddress).toBe('10.0.0.254');
    expect(pool('10.0.0.0/24', { gateway: '10.0.0.254/24' }).gatewayAddress).toBe('10.0.0.254');
    expect(pool('2001:db8::/64', { gateway: '2001:DB8::FFFF' }).gatewayAddress).toBe('2001:db8::ffff');
  });
  it('can be switched off', () => {
    const p = pool('10.0.0.0/24', { gateway: null });
    expect(p.gatewayAddress).toBeUndefined();
    expect(p.usableSize).toBe(254n);
  });
  it('may take one end of a point-to-point link', () => {
    expect(pool('10.0.0.0/31', { gateway: '10.0.0.0' }).usableSize).toBe(1n);
  });
  it.each([
    [{ prefix: '10.0.0.0/24', gateway: '10.0.1.1' }, 'gateway-outside-subnet'],
    [{ prefix: '10.0.0.0/24', gateway: '2001:db8::1' }, 'invalid-gateway'],
    [{ prefix: '10.0.0.0/24', gateway: '10.0.0.300' }, 'invalid-gateway'],
    [{ prefix: '10.0.0.0/24', gateway: '10.0.0.1/16' }, 'invalid-gateway'],
    [{ prefix: '10.0.0.0/24', gateway: '10.0.0.0' }, 'invalid-gateway'],
    [{ prefix: '10.0.0.0/24', gateway: '10.0.0.255' }, 'invalid-gateway'],
    [{ prefix: '2001:db8::/64', gateway: '2001:db8::' }, 'invalid-gateway'],
    [{ prefix: '10.0.0.7/32', gateway: '10.0.0.7' }, 'invalid-gateway'],
  ])('rejects %j', (spec, code) => {
    const e = errorOf(createPool(spec));
    expect(e.code).toBe(code);
    expect(e.field).toBe('gateway');
  });
  it('says which address to use instead', () => {
    expect(errorOf(createPool({ prefix: '10.0.0.0/24', gateway: '10.0.0.0' })).message).toMatch(
      /is the network address; pick a usable address such as 10.0.0.1/,
    );
  });
});

describe('exclusions', () => {
  it('accepts addresses, CIDRs and ranges of either family, in canonical form', () => {
    expect(pool('10.0.0.0/24', { exclusions: ['10.0.0.5', '10.0.0.16/28', '10.0.0.100 - 10.0.0.110', '10.0.0.7-10.0.0.7'] }).exclusions).toEqual([
      '10.0.0.5',
      '10.0.0.16/28',
      '10.0.0.100-10.0.0.110',
      '10.0.0.7',
    ]);
    const six = pool('2001:db8::/64', { exclusions: ['2001:DB8::10-2001:db8::1f', '2001:db8::100/120', '2001:db8::5'] });
    expect(six.exclusions).toEqual(['2001:db8::10-2001:db8::1f', '2001:db8::100/120', '2001:db8::5']);
    expect(six.usableSize).toBe((1n << 64n) - 2n - 16n - 256n - 1n);
  });
  it('counts overlapping exclusions and the gateway once', () => {
    expect(pool('10.0.0.0/24', { exclusions: ['10.0.0.0/28', '10.0.0.8-10.0.0.20', '10.0.0.1'] }).usableSize).toBe(254n - 20n);
  });
  it('may exclude a huge part of a large pool without cost', () => {
    const p = pool('10.0.0.0/8', { exclusions: ['10.0.0.0/9'] });
    expect(p.usableSize).toBe((1n << 23n) - 1n);
  });
  it.each([
    ['10.0.1.5', 'exclusion-outside-subnet'],
    ['10.0.0.0/23', 'exclusion-outside-subnet'],
    ['10.0.0.250-10.0.1.2', 'exclusion-outside-subnet'],
    ['10.0.0.20-10.0.0.10', 'invalid-exclusion'],
    ['10.0.0.3/29', 'invalid-exclusion'],
    ['10.0.0', 'invalid-exclusion'],
    ['2001:db8::1', 'invalid-exclusion'],
    ['10.0.0.1-', 'invalid-exclusion'],
    ['', 'invalid-exclusion'],
  ])('rejects %j with %s and points at the entry', (exclusion, code) => {
    const e = errorOf(createPool({ prefix: '10.0.0.0/24', exclusions: ['10.0.0.9', exclusion] }));
    expect(e.code).toBe(code);
    expect(e.field).toBe('exclusions[1]');
    expect(e.message).toContain('10.0.0.0/24');
  });
});

describe('prefix validation', () => {
  it.each(['10.0.0.0/8', '100.64.0.0/10', '172.16.0.0/12', '192.0.2.0/24', '198.18.0.0/15', '192.168.0.0/16', '2001:db8::/64', 'fd00::/64', '2002:a00::/48'])(
    'accepts %s (usable on a link)',
    (prefix) => {
      expect(createPool({ prefix }).ok).toBe(true);
    },
  );

  it.each([
    ['10.1.3.3/24', 'host-bits-set', /write the subnet as 10.1.3.0\/24/],
    ['2001:db8::1/64', 'host-bits-set', /2001:db8::\/64/],
    ['169.254.0.0/16', 'special-purpose-prefix', /link-local/],
    ['169.254.10.0/24', 'special-purpose-prefix', /link-local/],
    ['169.0.0.0/8', 'special-purpose-prefix', /link-local/],
    ['fe80::/64', 'special-purpose-prefix', /link-local/],
    ['febf:1::/64', 'special-purpose-prefix', /link-local/],
    ['127.0.0.0/24', 'special-purpose-prefix', /loopback/],
    ['239.1.0.0/16', 'special-purpose-prefix', /multicast/],
    ['ff02::/16', 'special-purpose-prefix', /multicast/],
    ['0.0.0.0/24', 'special-purpose-prefix', /this network/],
    ['0.0.0.0/0', 'special-purpose-prefix', /this network/],
    ['192.0.0.0/29', 'special-purpose-prefix', /IETF protocol/],
    ['240.0.0.0/24', 'special-purpose-prefix', /reserved/],
    ['255.255.255.0/24', 'special-purpose-prefix', /limited broadcast/],
    ['::/127', 'special-purpose-prefix', /unspecified/],
    ['::ffff:10.0.0.0/120', 'special-purpose-prefix', /IPv4-mapped/],
    ['64:ff9b::/120', 'special-purpose-prefix', /NAT64/],
    ['100::/64', 'special-purpose-prefix', /discard/],
    ['2001::/48', 'special-purpose-prefix', /Teredo/],
    ['2001:20::/64', 'special-purpose-prefix', /ORCHIDv2/],
    ['10.0.0.0', 'invalid-prefix', /CIDR/],
    ['10.0.0.0/33', 'invalid-prefix', /0 to 32/],
    ['nonsense/24', 'invalid-prefix', /not a valid IP address/],
  ])('rejects %s (%s)', (prefix, code, message) => {
    const e = errorOf(createPool({ prefix, name: 'n3-pool' }));
    expect(e.code).toBe(code);
    expect(e.field).toBe('prefix');
    expect(e.message).toMatch(message);
    expect(e.message).toContain('n3-pool');
  });
  it('accepts ULA and documentation prefixes next to link-local', () => {
    expect(pool('fd00:1::/64').id).toBe('fd00:1::/64');
    expect(pool('fec0::/10').id).toBe('fec0::/10');
    expect(pool('169.255.0.0/16').id).toBe('169.255.0.0/16');
  });
  it('canonicalises the id', () => {
    expect(pool('2001:DB8:0:0::/64').id).toBe('2001:db8::/64');
  });
});

describe('prefixOf', () => {
  it('writes address/prefix-length-of-the-subnet', () => {
    const p = pool('10.1.3.0/24');
    expect(prefixOf('10.1.3.3', p)).toBe('10.1.3.3/24');
    expect(prefixOf(0x0a010303n, p)).toBe('10.1.3.3/24');
    expect(prefixOf('2001:DB8::3', pool('2001:db8::/64'))).toBe('2001:db8::3/64');
  });
});
