/** Addresses as the import handles them: parsed once, with their subnet, in canonical spelling. */
import type { IpFamily } from '../../../functions/lib/src/ipam';
import { formatAddress, formatCidr, networkOf, parseAddress, parseAddressWithLength } from '../../../functions/lib/src/ipam/address';

export interface Address {
  family: IpFamily;
  value: bigint;
  length: number;
  /** `10.30.0.5/24` */
  cidr: string;
  /** `10.30.0.0/24` */
  subnet: string;
  /** The subnet's gateway as the manifests say it, when they do. */
  gateway?: string;
}

export function parseCidr(text: string): Address | string {
  const r = parseAddressWithLength(text.trim());
  if (!r.ok) return r.error.message;
  const { family, value, length } = r.value;
  return { family, value, length, cidr: formatCidr(family, value, length), subnet: formatCidr(family, networkOf(family, value, length), length) };
}

/** A subnet in canonical spelling (host bits cleared), or why it is none. */
export function parseSubnet(text: string): { family: IpFamily; network: bigint; length: number; cidr: string; hostBits: boolean } | string {
  const r = parseAddressWithLength(text.trim());
  if (!r.ok) return r.error.message;
  const { family, value, length } = r.value;
  const network = networkOf(family, value, length);
  return { family, network, length, cidr: formatCidr(family, network, length), hostBits: network !== value };
}

export function canonical(text: string): string | undefined {
  const r = parseAddress(text.trim());
  return r.ok ? formatAddress(r.value.family, r.value.value) : undefined;
}

export function addressText(a: Address): string {
  return formatAddress(a.family, a.value);
}

export const byFamily = (a: { family: IpFamily }, b: { family: IpFamily }): number => (a.family === b.family ? 0 : a.family === 'ipv4' ? -1 : 1);
