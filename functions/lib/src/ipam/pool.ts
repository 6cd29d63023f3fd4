/**
 * A pool is one subnet an address space hands addresses out of, with the addresses that must
 * never be handed out: network address, IPv4 broadcast, IPv6 subnet-router anycast, the gateway
 * and user exclusions. Validation happens here, once, so the allocator can trust its pools.
 */
import {
  blockSize,
  formatAddress,
  formatCidr,
  IpFamily,
  networkOf,
  parseAddress,
  parseAddressWithLength,
} from './address';
import { IntervalSet } from './interval-set';
import { fail, ok, Outcome } from './result';

export interface PoolSpec {
  /** The subnet in CIDR notation without host bits, e.g. `10.1.3.0/24` or `2001:db8:1::/64`. */
  readonly prefix: string;
  /**
   * The subnet's gateway, as an address or as `address/prefix-length` (Nephio's gateway prefix
   * form). Omitted: the first usable address. `null`: the subnet has no gateway.
   */
  readonly gateway?: string | null;
  /** Addresses never to hand out: single addresses, CIDRs, or `first-last` ranges. */
  readonly exclusions?: readonly string[];
  /** Where the pool was defined (e.g. an IPPrefix name); used in messages only. */
  readonly name?: string;
}

/** An address range inside the usable range that may not be handed out, and why. */
export interface ReservedRange {
  readonly lo: bigint;
  readonly hi: bigint;
  readonly reason: string;
}

/**
 * Blocks of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and successors)
 * whose addresses cannot be assigned to an interface on a link: they mean "this host", "any",
 * loopback, link-local (the kernel configures those itself and they are not routed), multicast,
 * reserved space, or addresses that stand for something else (IPv4 hosts in IPv6 notation,
 * translation prefixes, identifiers). Private, shared (100.64/10), benchmarking and documentation
 * blocks are usable on a link and stay allowed. A pool overlapping any of these is refused.
 */
const SPECIAL_PURPOSE: readonly { family: IpFamily; cidr: string; what: string }[] = [
  { family: 'ipv4', cidr: '0.0.0.0/8', what: '"this network" (RFC 791)' },
  { family: 'ipv4', cidr: '127.0.0.0/8', what: 'loopback' },
  { family: 'ipv4', cidr: '169.254.0.0/16', what: 'link-local' },
  { family: 'ipv4', cidr: '192.0.0.0/24', what: 'IETF protocol assignments (RFC 6890)' },
  { family: 'ipv4', cidr: '224.0.0.0/4', what: 'multicast' },
  { family: 'ipv4', cidr: '240.0.0.0/4', what: 'reserved (and limited broadcast 255.255.255.255)' },
  { family: 'ipv6', cidr: '::/96', what: 'unspecified, loopback and deprecated IPv4-compatible' },
  { family: 'ipv6', cidr: '::ffff:0:0/96', what: 'IPv4-mapped' },
  { family: 'ipv6', cidr: '64:ff9b::/96', what: 'NAT64 well-known prefix (RFC 6052)' },
  { family: 'ipv6', cidr: '64:ff9b:1::/48', what: 'local-use IPv4/IPv6 translation (RFC 8215)' },
  { family: 'ipv6', cidr: '100::/64', what: 'discard-only (RFC 6666)' },
  { family: 'ipv6', cidr: '2001::/32', what: 'Teredo (RFC 4380)' },
  { family: 'ipv6', cidr: '2001:10::/28', what: 'ORCHID identifiers (RFC 4843)' },
  { family: 'ipv6', cidr: '2001:20::/28', what: 'ORCHIDv2 identifiers (RFC 7343)' },
  { family: 'ipv6', cidr: 'fe80::/10', what: 'link-local' },
  { family: 'ipv6', cidr: 'ff00::/8', what: 'multicast' },
];

/** The special-purpose blocks as ranges, parsed once (every pool is checked against them). */
let specialRanges: readonly { family: IpFamily; cidr: string; what: string; lo: bigint; hi: bigint }[] | undefined;

function specialPurposeRanges(): NonNullable<typeof specialRanges> {
  specialRanges ??= SPECIAL_PURPOSE.flatMap((special) => {
    const s = parseAddressWithLength(special.cidr);
    if (!s.ok) return [];
    return [{ ...special, lo: s.value.value, hi: s.value.value + blockSize(special.family, s.value.length) - 1n }];
  });
  return specialRanges;
}

export class Pool {
  /** Canonical prefix, e.g. `10.1.3.0/24`; unique within an address space. */
  readonly id: string;
  readonly name: string | undefined;
  readonly family: IpFamily;
  readonly prefixLength: number;
  /** First and last address of the prefix. */
  readonly network: bigint;
  readonly lastAddress: bigint;
  /** Bounds of the range addresses may come from, before gateway and exclusions. */
  readonly firstUsable: bigint;
  readonly lastUsable: bigint;
  readonly gateway: bigint | undefined;
  /** Canonical gateway address, if any. */
  readonly gatewayAddress: string | undefined;
  /** Canonical exclusions in the order given. */
  readonly exclusions: readonly string[];
  /** Gateway and exclusions clipped to [firstUsable, lastUsable], sorted by `lo`. */
  readonly reserved: readonly ReservedRange[];
  /** Number of addresses that can be handed out. */
  readonly usableSize: bigint;
  /** Gateway and exclusions as a set, the seed of each space's set of taken addresses. */
  private readonly reservedSet: IntervalSet;

  private constructor(init: {
    name: string | undefined;
    family: IpFamily;
    network: bigint;
    prefixLength: number;
    gateway: bigint | undefined;
    exclusions: readonly string[];
    excluded: readonly ReservedRange[];
  }) {
    this.name = init.name;
    this.family = init.family;
    this.network = init.network;
    this.prefixLength = init.prefixLength;
    this.id = formatCidr(init.family, init.network, init.prefixLength);
    this.lastAddress = init.network + blockSize(init.family, init.prefixLength) - 1n;
    const hostBits = (init.family === 'ipv4' ? 32 : 128) - init.prefixLength;
    // Subnets of 2 addresses are point-to-point links (RFC 3021, RFC 6164): both ends usable.
    this.firstUsable = hostBits <= 1 ? this.network : this.network + 1n;
    this.lastUsable = hostBits <= 1 || init.family === 'ipv6' ? this.lastAddress : this.lastAddress - 1n;
    this.gateway = init.gateway;
    this.gatewayAddress = init.gateway === undefined ? undefined : formatAddress(init.family, init.gateway);
    this.exclusions = init.exclusions;

    const reserved: ReservedRange[] = [];
    if (init.gateway !== undefined) reserved.push({ lo: init.gateway, hi: init.gateway, reason: 'the gateway' });
    for (const r of init.excluded) {
      const lo = r.lo > this.firstUsable ? r.lo : this.firstUsable;
      const hi = r.hi < this.lastUsable ? r.hi : this.lastUsable;
      if (lo <= hi) reserved.push({ lo, hi, reason: r.reason });
    }
    reserved.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
    this.reserved = reserved;
    this.reservedSet = new IntervalSet(init.network);
    for (const r of reserved) this.reservedSet.add(r.lo, r.hi);
    this.usableSize = this.lastUsable - this.firstUsable + 1n - this.reservedSet.size;
  }

  static create(spec: PoolSpec): Outcome<Pool> {
    const where = spec.name ? ` (${spec.name})` : '';
    const parsed = parseAddressWithLength(spec.prefix);
    if (!parsed.ok) return fail({ ...parsed.error, message: `pool${where}: ${parsed.error.message}`, field: 'prefix' });
    const { family, value, length } = parsed.value;
    const network = networkOf(family, value, length);
    const id = formatCidr(family, network, length);
    if (network !== value) {
      return fail({
        code: 'host-bits-set',
        message: `pool${where} prefix ${spec.prefix} has host bits set; write the subnet as ${id}`,
        field: 'prefix',
      });
    }
    const last = network + blockSize(family, length) - 1n;
    for (const special of specialPurposeRanges()) {
      if (special.family !== family) continue;
      if (network <= special.hi && special.lo <= last) {
        return fail({
          code: 'special-purpose-prefix',
          message: `pool${where} ${id} overlaps the ${special.what} block ${special.cidr}, whose addresses cannot be assigned to an interface on a link (IANA special-purpose registry); use a private or globally routable subnet`,
          field: 'prefix',
        });
      }
    }

    const excluded: ReservedRange[] = [];
    const exclusions: string[] = [];
    for (const [index, text] of (spec.exclusions ?? []).entries()) {
      const field = `exclusions[${index}]`;
      const r = parseExclusion(text, family);
      if (!r.ok) {
        return fail({ ...r.error, message: `pool${where} ${id}: ${r.error.message}`, field });
      }
      if (r.value.lo < network || r.value.hi > last) {
        return fail({
          code: 'exclusion-outside-subnet',
          message: `pool${where} ${id}: exclusion "${text}" is not inside the subnet; remove it or correct it`,
          field,
        });
      }
      exclusions.push(r.value.canonical);
      excluded.push({ lo: r.value.lo, hi: r.value.hi, reason: `excluded by ${r.value.canonical}` });
    }

    const hostBits = (family === 'ipv4' ? 32 : 128) - length;
    let gateway: bigint | undefined;
    if (spec.gateway === undefined) {
      // Subnets of one or two addresses have no room for a gateway of their own.
      if (hostBits >= 2) gateway = network + 1n;
    } else if (spec.gateway !== null) {
      const g = parseGateway(spec.gateway, family, length);
      if (!g.ok) return fail({ ...g.error, message: `pool${where} ${id}: ${g.error.message}`, field: 'gateway' });
      gateway = g.value;
      if (gateway < network || gateway > last) {
        return fail({
          code: 'gateway-outside-subnet',
          message: `pool${where} ${id}: gateway ${spec.gateway} is not inside the subnet; the gateway must be an address of ${id}`,
          field: 'gateway',
        });
      }
      if (hostBits === 0) {
        return fail({
          code: 'invalid-gateway',
          message: `pool${where} ${id} holds a single address, which cannot also be the gateway; drop the gateway`,
          field: 'gateway',
        });
      }
    }

    const pool = new Pool({ name: spec.name, family, network, prefixLength: length, gateway, exclusions, excluded });
    if (gateway !== undefined && (gateway < pool.firstUsable || gateway > pool.lastUsable)) {
      return fail({
        code: 'invalid-gateway',
        message: `pool${where} ${id}: gateway ${spec.gateway} is ${pool.reservedReason(gateway)}; pick a usable address such as ${formatAddress(family, pool.firstUsable)}`,
        field: 'gateway',
      });
    }
    return ok(pool);
  }

  /** `pool 10.1.3.0/24 (name)`, for messages. */
  describe(): string {
    return this.name ? `pool ${this.id} (${this.name})` : `pool ${this.id}`;
  }

  contains(value: bigint): boolean {
    return value >= this.network && value <= this.lastAddress;
  }

  /** Why an address of this prefix may not be handed out; undefined when it may. */
  reservedReason(value: bigint): string | undefined {
    if (value < this.firstUsable) {
      return this.family === 'ipv4' ? 'the network address' : 'the subnet-router anycast address (all-zero host part)';
    }
    if (value > this.lastUsable) return 'the broadcast address';
    for (const r of this.reserved) {
      if (r.lo > value) break;
      if (value <= r.hi) return r.reason;
    }
    return undefined;
  }

  /** A fresh set of the addresses that may never be handed out, inside the usable range. */
  reservedAddresses(): IntervalSet {
    return this.reservedSet.clone();
  }

  /** `gateway 10.1.3.1; excluded 10.1.3.2-10.1.3.9`, for exhaustion messages. */
  describeReserved(): string {
    const parts: string[] = [];
    parts.push(this.gatewayAddress ? `gateway ${this.gatewayAddress}` : 'no gateway');
    parts.push(this.exclusions.length ? `excluded ${this.exclusions.join(', ')}` : 'no exclusions');
    return parts.join('; ');
  }
}

export function createPool(spec: PoolSpec): Outcome<Pool> {
  return Pool.create(spec);
}

/** `address/prefix-length-of-the-subnet`, the form claims record in `status.prefix`. */
export function prefixOf(address: string | bigint, pool: Pool): string {
  if (typeof address === 'bigint') return `${formatAddress(pool.family, address)}/${pool.prefixLength}`;
  const r = parseAddress(address);
  const text = r.ok ? formatAddress(r.value.family, r.value.value) : address;
  return `${text}/${pool.prefixLength}`;
}

interface ParsedExclusion {
  lo: bigint;
  hi: bigint;
  canonical: string;
}

function parseExclusion(text: string, family: IpFamily): Outcome<ParsedExclusion> {
  const bad = (why: string): Outcome<ParsedExclusion> =>
    fail({
      code: 'invalid-exclusion',
      message: `exclusion "${text}" ${why}; write an address, a CIDR (10.0.0.0/28) or a range (10.0.0.10-10.0.0.20)`,
    });
  const trimmed = text.trim();
  const dash = trimmed.indexOf('-');
  if (dash !== -1) {
    const a = parseAddress(trimmed.slice(0, dash).trim());
    const b = parseAddress(trimmed.slice(dash + 1).trim());
    if (!a.ok || !b.ok) return bad('is not a valid range');
    if (a.value.family !== family || b.value.family !== family) return bad(`is not ${family}`);
    if (b.value.value < a.value.value) return bad('ends before it starts');
    const lo = formatAddress(family, a.value.value);
    const canonical = a.value.value === b.value.value ? lo : `${lo}-${formatAddress(family, b.value.value)}`;
    return ok({ lo: a.value.value, hi: b.value.value, canonical });
  }
  if (trimmed.includes('/')) {
    const c = parseAddressWithLength(trimmed);
    if (!c.ok) return bad('is not a valid CIDR');
    if (c.value.family !== family) return bad(`is not ${family}`);
    const net = networkOf(family, c.value.value, c.value.length);
    if (net !== c.value.value) return bad(`has host bits set (did you mean ${formatCidr(family, net, c.value.length)}?)`);
    return ok({ lo: net, hi: net + blockSize(family, c.value.length) - 1n, canonical: formatCidr(family, net, c.value.length) });
  }
  const a = parseAddress(trimmed);
  if (!a.ok) return bad('is not a valid address');
  if (a.value.family !== family) return bad(`is not ${family}`);
  return ok({ lo: a.value.value, hi: a.value.value, canonical: formatAddress(family, a.value.value) });
}

function parseGateway(text: string, family: IpFamily, length: number): Outcome<bigint> {
  const bad = (why: string): Outcome<bigint> =>
    fail({ code: 'invalid-gateway', message: `gateway "${text}" ${why}` });
  if (text.includes('/')) {
    const g = parseAddressWithLength(text);
    if (!g.ok) return bad('is not a valid address');
    if (g.value.family !== family) return bad(`is not ${family}`);
    if (g.value.length !== length) return bad(`has prefix length /${g.value.length} but the subnet is /${length}`);
    return ok(g.value.value);
  }
  const g = parseAddress(text);
  if (!g.ok) return bad('is not a valid address');
  if (g.value.family !== family) return bad(`is not ${family}`);
  return ok(g.value.value);
}
