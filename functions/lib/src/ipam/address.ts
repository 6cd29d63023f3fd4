/**
 * IP addresses as bigints. Parsing is strict (no zone ids, no IPv4 leading zeros, which some tools
 * read as octal) because an address that two tools read differently is a duplicate waiting to
 * happen. Output is canonical: dotted IPv4, RFC 5952 IPv6, so the same address is always written
 * the same way into Git.
 */
import { fail, ok, Result } from './result';

export type IpFamily = 'ipv4' | 'ipv6';

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { ipv4: 32, ipv6: 128 };

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** An address with a prefix length, as written (`10.1.3.3/24`); host bits may be set. */
export interface AddressWithLength extends IpAddress {
  readonly length: number;
}

const IPV4_OCTETS = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_GROUP = /^[0-9a-f]{1,4}$/;

function invalid(text: string, why: string): Result<never> {
  return fail({ code: 'invalid-address', message: `"${text}" is not a valid IP address: ${why}` });
}

function parseIpv4(text: string): Result<bigint> {
  const m = IPV4_OCTETS.exec(text);
  if (!m) return invalid(text, 'expected four dot-separated decimal octets');
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = m[i]!;
    if (octet.length > 1 && octet[0] === '0') {
      return invalid(text, `octet "${octet}" has a leading zero (write ${Number(octet)})`);
    }
    const n = Number(octet);
    if (n > 255) return invalid(text, `octet ${n} is above 255`);
    value = value * 256 + n;
  }
  return ok(BigInt(value));
}

function parseIpv6(original: string): Result<bigint> {
  if (original.includes('%')) return invalid(original, 'zone ids (%...) are not allowed in pool or claim addresses');
  let text = original.toLowerCase();
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.', lastColon) !== -1) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4.ok) return invalid(original, 'the embedded IPv4 part is malformed');
    const n = Number(v4.value);
    tail.push(Math.floor(n / 65536), n % 65536);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return invalid(original, '"::" may appear only once');
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = split(halves[0]!);
  const rest = halves.length === 2 ? split(halves[1]!) : [];
  for (const g of head.concat(rest)) {
    if (!IPV6_GROUP.test(g)) return invalid(original, `group "${g}" is not 1-4 hex digits`);
  }
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 2 ? explicit > 7 : explicit !== 8) {
    return invalid(original, 'an IPv6 address has exactly eight 16-bit groups');
  }
  const groups = halves.length === 2 ? [...head.map(hex), ...new Array<number>(8 - explicit).fill(0), ...rest.map(hex), ...tail] : [...head.map(hex), ...tail];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return ok(value);
}

function hex(group: string): number {
  return parseInt(group, 16);
}

/** Parses a bare address (no prefix length). */
export function parseAddress(text: string): Result<IpAddress> {
  if (text.includes(':')) {
    const r = parseIpv6(text);
    return r.ok ? ok({ family: 'ipv6', value: r.value }) : r;
  }
  if (text.includes('.')) {
    const r = parseIpv4(text);
    return r.ok ? ok({ family: 'ipv4', value: r.value }) : r;
  }
  return invalid(text, 'expected dotted IPv4 or colon-separated IPv6');
}

/** Parses `address/length`; the host bits are kept as written (see `hasHostBits`). */
export function parseAddressWithLength(text: string): Result<AddressWithLength> {
  const slash = text.indexOf('/');
  if (slash === -1) {
    return fail({ code: 'invalid-prefix', message: `"${text}" is not in CIDR notation: expected address/prefix-length` });
  }
  const addr = parseAddress(text.slice(0, slash));
  if (!addr.ok) return fail({ ...addr.error, code: 'invalid-prefix' });
  const lengthText = text.slice(slash + 1);
  const bits = FAMILY_BITS[addr.value.family];
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    return fail({
      code: 'invalid-prefix',
      message: `"${text}": prefix length "${lengthText}" must be a number from 0 to ${bits}`,
    });
  }
  return ok({ ...addr.value, length: Number(lengthText) });
}

/** Number of addresses in a prefix of this length. */
export function blockSize(family: IpFamily, length: number): bigint {
  return 1n << BigInt(FAMILY_BITS[family] - length);
}

/** The first address of the prefix of `length` that contains `value`. */
export function networkOf(family: IpFamily, value: bigint, length: number): bigint {
  const size = blockSize(family, length);
  return value - (value & (size - 1n));
}

export function formatIpv4(value: bigint): string {
  const n = Number(value);
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const IPV4_MAPPED = 0xffffn;

export function formatIpv6(value: bigint): string {
  if (value >> 32n === IPV4_MAPPED) return `::ffff:${formatIpv4(value & 0xffffffffn)}`;
  const digits = value.toString(16).padStart(32, '0');
  const groups: string[] = new Array(8);
  // The longest run of two or more zero groups is shortened to "::" (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const g = digits.slice(i * 4, i * 4 + 4).replace(/^0{1,3}/, '');
    groups[i] = g;
    if (g === '0') {
      if (runStart === -1) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestStart === -1) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`;
}

export function formatAddress(family: IpFamily, value: bigint): string {
  return family === 'ipv4' ? formatIpv4(value) : formatIpv6(value);
}

export function formatCidr(family: IpFamily, value: bigint, length: number): string {
  return `${formatAddress(family, value)}/${length}`;
}

/** Canonical spelling of an address, or undefined when it does not parse. */
export function canonicalAddress(text: string): string | undefined {
  const r = parseAddress(text);
  return r.ok ? formatAddress(r.value.family, r.value.value) : undefined;
}
