/**
 * A shared-network scenario: one networks package and NF packages of several clusters, each a
 * separate kpt package rendered on its own against one ledger.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimPrefixes, InterfaceSpec, LedgerSettings, writeNetworksPackage, writeNfPackage } from './packages';

export const NETWORKS = [
  { name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/22' }] },
  { name: 'vpc-n6', prefixes: [{ prefix: '10.6.0.0/23' }, { prefix: '2001:db8:6::/64' }] },
];

export const NF_INTERFACES: readonly InterfaceSpec[] = [
  { name: 'n3', ni: 'vpc-n3' },
  { name: 'n6', ni: 'vpc-n6', dualStack: true },
];

export class Scenario {
  readonly dir = mkdtempSync(join(tmpdir(), 'netpipe-ledger-'));
  readonly packages: string[] = [];

  constructor(readonly ledger: LedgerSettings) {
    writeNetworksPackage(this.networks, 'networks', NETWORKS, ledger);
  }

  get networks(): string {
    return join(this.dir, 'networks');
  }

  /** `count` NF packages spread over `clusters` clusters. */
  addNfs(count: number, clusters: number, interfaces: readonly InterfaceSpec[] = NF_INTERFACES, claimsOnly = false): string[] {
    const made: string[] = [];
    for (let i = 0; i < count; i++) {
      const cluster = `edge${(this.packages.length % clusters) + 1}`;
      const nf = `nf${this.packages.length}`;
      const dir = join(this.dir, `${cluster}-${nf}`);
      writeNfPackage(dir, { name: `${cluster}-${nf}`, cluster, nf, interfaces, ledger: this.ledger, claimsOnly });
      this.packages.push(dir);
      made.push(dir);
    }
    return made;
  }

  /** network instance -> address -> every `package claim` holding it. */
  holders(): Map<string, Map<string, string[]>> {
    const out = new Map<string, Map<string, string[]>>();
    for (const dir of this.packages) {
      for (const [claim, prefix] of Object.entries(claimPrefixes(dir))) {
        const ni = claim.includes('-n3-') ? 'vpc-n3' : 'vpc-n6';
        const m = out.get(ni) ?? new Map<string, string[]>();
        out.set(ni, m);
        m.set(prefix, [...(m.get(prefix) ?? []), `${dir} ${claim}`]);
      }
    }
    return out;
  }

  duplicates(): string[] {
    const dups: string[] = [];
    for (const [ni, m] of this.holders()) for (const [a, who] of m) if (who.length > 1) dups.push(`${ni} ${a}: ${who.join(', ')}`);
    return dups;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
