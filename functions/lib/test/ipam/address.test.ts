import fc from 'fast-check';
import { canonicalAddress, formatAddress, parseAddress, parseAddressWithLength } from '../../src/ipam';
import { formatAddressAt, ipv6Words } from '../../src/ipam/address';
import { errorOf, unwrap } from './helpers';

describe('parseAddress / formatAddress', () => {
  it.each([
    ['10.1.3.3', 'ipv4', 0x0a010303n],
    ['0.0.0.0', 'ipv4', 0n],
    ['255.255.255.255', 'ipv4', 0xffffffffn],
    ['::', 'ipv6', 0n],
    ['::1', 'ipv6', 1n],
    ['2001:DB8::1', 'ipv6', 0x20010db8000000000000000000000001n],
    ['2001:db8:0:0:0:0:0:1', 'ipv6', 0x20010db8000000000000000000000001n],
    ['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ipv6', (1n << 128n) - 1n],
    ['::ffff:192.0.2.1', 'ipv6', 0xffffc0000201n],
    ['64:ff9b::192.0.2.33', 'ipv6', 0x0064ff9b0000000000000000c0000221n],
    ['1:2:3:4:5:6:7::', 'ipv6', 0x00010002000300040005000600070000n],
  ])('parses %s', (text, family, value) => {
    expect(unwrap(parseAddress(text))).toEqual({ family, value });
  });

  it.each([
    '10.0.0.256',
    '10.0.0',
    '10.0.0.01',
    '010.0.0.1',
    '1.2.3.4.5',
    'fe80::1%eth0',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    'g::1',
    ':1.2.3.4',
    '',
    'abc',
    '1:2:3:4:5:6:7:1.2.3.4',
  ])('rejects %j with invalid-address', (text) => {
    expect(errorOf(parseAddress(text)).code).toBe('invalid-address');
  });

  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
    ['0:0:0:0:0:0:0:0', '::'],
    ['FE80:0:0:0:0:0:0:0', 'fe80::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::ffff:c000:0201', '::ffff:192.0.2.1'],
    ['2001:DB8:AB:CD::', '2001:db8:ab:cd::'],
  ])('writes %s as %s (RFC 5952)', (text, canonical) => {
    expect(canonicalAddress(text)).toBe(canonical);
  });

  it('formats IPv4 dotted', () => {
    expect(formatAddress('ipv4', 0xc0a8fb0an)).toBe('192.168.251.10');
  });

  it('round-trips random IPv6 values', () => {
    let v = 0x123456789abcdef0n;
    for (let i = 0; i < 500; i++) {
      v = (v * 6364136223846793005n + 1442695040888963407n) & ((1n << 128n) - 1n);
      const masked = i % 3 === 0 ? v & ~(0xffffffffn << 32n) : v; // some zero runs
      const text = formatAddress('ipv6', masked);
      expect(unwrap(parseAddress(text)).value).toBe(masked);
    }
  });
});

describe('parseAddressWithLength', () => {
  it('keeps host bits as written', () => {
    expect(unwrap(parseAddressWithLength('10.1.3.3/24'))).toEqual({ family: 'ipv4', value: 0x0a010303n, length: 24 });
  });
  it.each(['10.0.0.0/33', '10.0.0.0', '10.0.0.0/', '2001:db8::/129', '10.0.0.0/x'])('rejects %j', (text) => {
    expect(errorOf(parseAddressWithLength(text)).code).toBe('invalid-prefix');
  });
});

describe('agreement with the ip-address package', () => {
  // An independent implementation as oracle for canonical IPv6 text (RFC 5952).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Address6 } = require('ip-address') as typeof import('ip-address');
  it('formats like Address6.correctForm and parses its output back', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
        const value = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
        fc.pre(value >> 32n !== 0xffffn); // IPv4-mapped: RFC 5952 section 5 mixed notation
        const ours = formatAddress('ipv6', value);
        expect(ours).toBe(Address6.fromBigInt(value).correctForm());
        expect(unwrap(parseAddress(ours)).value).toBe(value);
        const other = Address6.fromBigInt(value);
        expect(unwrap(parseAddress(other.canonicalForm())).value).toBe(value); // all 32 digits
        expect(unwrap(parseAddress(other.correctForm().toUpperCase())).value).toBe(value);
        expect(unwrap(parseAddress(groups.map((g) => g.toString(16)).join(':'))).value).toBe(value);
      }),
      { numRuns: 500 },
    );
  });
});

describe('formatAddressAt (the allocator prints from a network address and a number offset)', () => {
  const word = fc.oneof(fc.constantFrom(0, 1, 0xffff, 0xffff0000, 0xfffffffe, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
  const offset = fc.oneof(
    fc.integer({ min: 0, max: 70000 }),
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 48, Number.MAX_SAFE_INTEGER),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  );

  it('prints what formatAddress prints for network + offset (IPv6, carries across words included)', () => {
    fc.assert(
      fc.property(fc.tuple(word, word, word, word), offset, ([a, b, c, d], o) => {
        const network = (BigInt(a) << 96n) | (BigInt(b) << 64n) | (BigInt(c) << 32n) | BigInt(d);
        fc.pre(network + BigInt(o) < 1n << 128n);
        expect(ipv6Words(network)).toEqual([a, b, c, d]);
        expect(formatAddressAt('ipv6', ipv6Words(network), o)).toBe(formatAddress('ipv6', network + BigInt(o)));
      }),
      { numRuns: 2000 },
    );
    // IPv4-mapped addresses keep their dotted form.
    expect(formatAddressAt('ipv6', ipv6Words(0xffff00000000n), 0x0a000001)).toBe('::ffff:10.0.0.1');
  });

  it('prints what formatAddress prints for IPv4', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (n, o) => {
        fc.pre(n + o <= 0xffffffff);
        expect(formatAddressAt('ipv4', n, o)).toBe(formatAddress('ipv4', BigInt(n + o)));
      }),
      { numRuns: 500 },
    );
  });
});
