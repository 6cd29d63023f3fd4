/**
 * IP addresses as bigints. Parsing is strict (no zone ids, no IPv4 leading zeros, which some tools
 * read as octal) because an address that two tools read differently is a duplicate waiting to
 * happen. Output is canonical: dotted IPv4, RFC 5952 IPv6, so the same address is always written
 * the same way into Git.
 */
import { fail, ok, Outcome } from './result';

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

function invalid(text: string, why: string): Outcome<never> {
  return fail({ code: 'invalid-address', message: `"${text}" is not a valid IP address: ${why}` });
}

function parseIpv4(text: string): Outcome<bigint> {
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

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

const COLON = 58;
const DOT = 46;

/** One pass over the characters: this runs for every address read back from a package. */
function parseIpv6(text: string): Outcome<bigint> {
  if (text.includes('%')) return invalid(text, 'zone ids (%...) are not allowed in pool or claim addresses');
  const n = text.length;
  const groups: number[] = [];
  /** Index in `groups` where "::" stands, or -1. */
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === COLON) {
    if (text.charCodeAt(1) !== COLON) return invalid(text, 'it starts with a single ":"');
    gap = 0;
    i = 2;
  }
  while (i < n) {
    const start = i;
    let group = 0;
    for (let d: number; i < n && (d = hexDigit(text.charCodeAt(i))) >= 0; i++) group = group * 16 + d;
    if (i < n && text.charCodeAt(i) === DOT) {
      const v4 = parseIpv4(text.slice(start));
      if (!v4.ok) return invalid(text, 'the embedded IPv4 part is malformed');
      const w = Number(v4.value);
      groups.push(Math.floor(w / 65536), w % 65536);
      i = n;
      break;
    }
    if (i - start === 0 || i - start > 4) {
      return invalid(text, `group "${text.slice(start, text.indexOf(':', start + 1) === -1 ? n : text.indexOf(':', start + 1))}" is not 1-4 hex digits`);
    }
    groups.push(group);
    if (i === n) break;
    if (text.charCodeAt(i) !== COLON) return invalid(text, `unexpected character "${text[i]}"`);
    i++;
    if (i < n && text.charCodeAt(i) === COLON) {
      if (gap !== -1) return invalid(text, '"::" may appear only once');
      gap = groups.length;
      i++;
    } else if (i === n) {
      return invalid(text, 'it ends with a single ":"');
    }
  }
  if (gap === -1 ? groups.length !== 8 : groups.length > 7) {
    return invalid(text, 'an IPv6 address has exactly eight 16-bit groups');
  }
  if (gap !== -1) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  const word = (k: number) => BigInt(groups[k]! * 65536 + groups[k + 1]!);
  return ok((word(0) << 96n) | (word(2) << 64n) | (word(4) << 32n) | word(6));
}

/** Parses a bare address (no prefix length). */
export function parseAddress(text: string): Outcome<IpAddress> {
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
export function parseAddressWithLength(text: string): Outcome<AddressWithLength> {
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
  return formatIpv4Number(Number(value));
}

function formatIpv4Number(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const WORD = 0xffffffffn;
const TWO_32 = 4294967296;

/** An IPv6 address as four 32-bit words, most significant first. */
export type Ipv6Words = readonly [number, number, number, number];

export function ipv6Words(value: bigint): Ipv6Words {
  return [Number(value >> 96n), Number((value >> 64n) & WORD), Number((value >> 32n) & WORD), Number(value & WORD)];
}

export function formatIpv6(value: bigint): string {
  const [w0, w1, w2, w3] = ipv6Words(value);
  return formatIpv6Words(w0, w1, w2, w3);
}

function formatIpv6Words(w0: number, w1: number, w2: number, w3: number): string {
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) return `::ffff:${formatIpv4Number(w3)}`;
  const groups = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  // The longest run of two or more zero groups is shortened to "::" (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (groups[i] === 0) {
      if (runStart === -1) runStart = i;
      if (i - runStart + 1 > bestLength) {
        bestStart = runStart;
        bestLength = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLength - 1;
      continue;
    }
    if (i > 0 && i !== bestStart + bestLength) out += ':';
    out += groups[i]!.toString(16);
  }
  return out;
}

/**
 * The address `offset` (an integer from 0 to 2^53 - 1) past a network address, given as its
 * number (IPv4) or its words (IPv6): what `formatAddress` prints for network + offset, without
 * bigint arithmetic. The allocator prints every address it hands out this way.
 */
export function formatAddressAt(family: IpFamily, network: number | Ipv6Words, offset: number): string {
  if (family === 'ipv4') return formatIpv4Number((network as number) + offset);
  const [n0, n1, n2, n3] = network as Ipv6Words;
  let w3 = n3 + (offset % TWO_32);
  let w2 = n2 + Math.floor(offset / TWO_32);
  if (w3 >= TWO_32) {
    w3 -= TWO_32;
    w2++;
  }
  let w1 = n1;
  let w0 = n0;
  if (w2 >= TWO_32) {
    w2 -= TWO_32;
    w1++;
    if (w1 >= TWO_32) {
      w1 -= TWO_32;
      w0++;
    }
  }
  return formatIpv6Words(w0, w1, w2, w3);
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
