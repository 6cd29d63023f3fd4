import { randomBytes } from 'node:crypto';
import { mustRun, runCommand } from './exec';
import { Json, JsonObject, isJsonObject, parseJson } from './json';
import { DelegatePlan, Invocation, PluginExec, runAdd, runDel } from './multus';
import { assertCniPrerequisites, execPlugin } from './plugins';
import { CniResult } from './types';

/*
 * Real network namespaces and links for CNI tests. Everything a harness makes is
 * named `<id>-<suffix>`, where id = "cn" + the owning process id (5 base-36
 * digits) + 2 random characters: so cleanup() can sweep by prefix, and a later
 * run can remove what a killed run left behind (its process is gone) without
 * touching the resources of a test file running in parallel in another worker.
 */

const ID_PATTERN = /^cn([0-9a-z]{5})[0-9a-z]{2}-/;
const MAX_IFNAME = 15;

export interface Underlay {
  /** The two ends of a veth pair in the root namespace; a frame sent on one arrives on the other. */
  a: string;
  b: string;
}

export interface Netns {
  name: string;
  path: string;
}

export interface IpRoute {
  family: 4 | 6;
  /** CIDR; `default` is written 0.0.0.0/0 or ::/0. */
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
}

export interface Delegation {
  plan: DelegatePlan;
  result: CniResult;
  invocations: Invocation[];
  deleted: boolean;
}

export class CniHarness {
  private readonly namespaces = new Set<string>();
  private readonly links = new Set<string>();
  private readonly delegations: Delegation[] = [];
  private counter = 0;

  private constructor(
    readonly id: string,
    readonly exec: PluginExec,
  ) {}

  /** Fails (never skips) when not root or the plugins are missing; removes what dead runs left behind. */
  static start(exec: PluginExec = execPlugin): CniHarness {
    assertCniPrerequisites();
    sweepStale();
    const pid = process.pid.toString(36).padStart(5, '0').slice(-5);
    const rand = randomBytes(4).readUInt32BE(0).toString(36).padStart(2, '0').slice(-2);
    return new CniHarness(`cn${pid}${rand}`, exec);
  }

  name(suffix: string): string {
    const n = `${this.id}-${suffix}`;
    if (n.length > MAX_IFNAME) throw new Error(`link name ${n} is longer than ${MAX_IFNAME} characters`);
    return n;
  }

  createUnderlay(): Underlay {
    const k = ++this.counter;
    const a = this.name(`a${k}`);
    const b = this.name(`b${k}`);
    this.links.add(a);
    mustRun('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    for (const end of [a, b]) {
      // No addresses on the underlay itself: it only carries the pods' frames.
      this.writeSysctl(undefined, `net/ipv6/conf/${end}/disable_ipv6`, '1');
      mustRun('ip', ['link', 'set', end, 'up']);
    }
    return { a, b };
  }

  /** An 802.1Q sub-interface of `master`; throws when the kernel has no VLAN support. */
  createVlan(master: string, vlanId: number): string {
    const name = this.name(`v${++this.counter}`);
    const r = runCommand('ip', ['link', 'add', 'link', master, 'name', name, 'type', 'vlan', 'id', String(vlanId)]);
    if (r.status !== 0) {
      throw new Error(`cannot create VLAN ${vlanId} on ${master}: ${r.stderr.trim()} (this kernel may lack 802.1Q support)`);
    }
    this.links.add(name);
    mustRun('ip', ['link', 'set', name, 'up']);
    return name;
  }

  /**
   * Whether this kernel can make a `kind` link on `master` (ipvlan and vlan are
   * kernel options a test machine may lack; the plugins then fail with
   * "operation not supported" / "Unknown device type").
   */
  supportsLinkType(kind: 'macvlan' | 'ipvlan' | 'vlan', master: string): boolean {
    const name = this.name(`p${++this.counter}`);
    const extra = kind === 'vlan' ? ['id', '4000'] : kind === 'ipvlan' ? ['mode', 'l2'] : ['mode', 'bridge'];
    const r = runCommand('ip', ['link', 'add', 'link', master, 'name', name, 'type', kind, ...extra]);
    if (r.status !== 0) return false;
    mustRun('ip', ['link', 'del', name]);
    return true;
  }

  createNetns(label: string): Netns {
    // Namespace names are file names, not link names: no 15-character limit.
    const clean = label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
    const name = `${this.id}-n${++this.counter}${clean ? `-${clean}` : ''}`;
    mustRun('ip', ['netns', 'add', name]);
    this.namespaces.add(name);
    mustRun('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    // Without DAD an IPv6 address is usable at once, so v6 pings need no wait.
    this.writeSysctl(name, 'net/ipv6/conf/all/accept_dad', '0');
    this.writeSysctl(name, 'net/ipv6/conf/default/accept_dad', '0');
    return { name, path: `/var/run/netns/${name}` };
  }

  /** Deletes one namespace this harness made (a pod going away). */
  removeNetns(name: string): void {
    const errors: string[] = [];
    deleteNetns(name, errors);
    if (errors.length > 0) throw new Error(errors.join('\n'));
    this.namespaces.delete(name);
  }

  /** CNI ADD of a planned delegate; on failure the chain is DELeted (as Multus does) and the error rethrown. */
  add(plan: DelegatePlan): Delegation {
    let added: { result: CniResult; invocations: Invocation[] };
    try {
      added = runAdd(plan, this.exec);
    } catch (err) {
      try {
        runDel(plan, this.exec);
      } catch {
        // the ADD error is the one worth reporting
      }
      throw err;
    }
    const d: Delegation = { plan, result: added.result, invocations: added.invocations, deleted: false };
    this.delegations.push(d);
    return d;
  }

  del(d: Delegation): Invocation[] {
    if (d.deleted) return [];
    const inv = runDel(d.plan, this.exec, d.result);
    d.deleted = true;
    return inv;
  }

  /** Global-scope addresses of a pod interface, CIDR form. */
  addresses(netns: string, ifName: string): string[] {
    return this.addressInfo(netns, ifName)
      .filter((a) => a.scope === 'global')
      .map((a) => a.cidr);
  }

  addressInfo(netns: string, ifName: string): Array<{ cidr: string; family: 4 | 6; scope: string; tentative: boolean }> {
    const links = ipJson(['-n', netns, 'addr', 'show', 'dev', ifName]);
    const out: Array<{ cidr: string; family: 4 | 6; scope: string; tentative: boolean }> = [];
    for (const link of links) {
      const infos = Array.isArray(link.addr_info) ? link.addr_info.filter(isJsonObject) : [];
      for (const a of infos) {
        if (typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
        out.push({
          cidr: `${a.local}/${a.prefixlen}`,
          family: a.family === 'inet6' ? 6 : 4,
          scope: typeof a.scope === 'string' ? a.scope : '',
          tentative: a.tentative === true,
        });
      }
    }
    return out;
  }

  linkInfo(netns: string, ifName: string): { mac: string; mtu: number; up: boolean; kind?: string } {
    const [link] = ipJson(['-n', netns, '-d', 'link', 'show', 'dev', ifName]);
    if (link === undefined) throw new Error(`no link ${ifName} in ${netns}`);
    const linkinfo = isJsonObject(link.linkinfo) ? link.linkinfo : {};
    return {
      mac: typeof link.address === 'string' ? link.address : '',
      mtu: typeof link.mtu === 'number' ? link.mtu : 0,
      up: Array.isArray(link.flags) && link.flags.includes('UP'),
      kind: typeof linkinfo.info_kind === 'string' ? linkinfo.info_kind : undefined,
    };
  }

  /** Main-table unicast routes; link-local fe80::/64 is left out as the kernel adds it to every v6 link. */
  routes(netns: string, ifName?: string): IpRoute[] {
    const out: IpRoute[] = [];
    for (const family of [4, 6] as const) {
      for (const r of ipJson(['-n', netns, `-${family}`, 'route', 'show'])) {
        if (typeof r.type === 'string' && r.type !== 'unicast') continue;
        const dst = normalizeDst(typeof r.dst === 'string' ? r.dst : '', family);
        if (dst === 'fe80::/64') continue;
        const route: IpRoute = { family, dst };
        if (typeof r.gateway === 'string') route.gateway = r.gateway;
        if (typeof r.dev === 'string') route.dev = r.dev;
        if (typeof r.protocol === 'string') route.protocol = r.protocol;
        if (typeof r.scope === 'string') route.scope = r.scope;
        if (ifName === undefined || route.dev === ifName) out.push(route);
      }
    }
    return out;
  }

  /** True when `to` answers an ICMP echo from inside `from`; retried, as the first probe may race neighbour discovery. */
  ping(from: string, to: string, tries = 3): boolean {
    const v6 = to.includes(':');
    for (let i = 0; i < tries; i++) {
      const r = runCommand('ip', ['netns', 'exec', from, 'ping', ...(v6 ? ['-6'] : []), '-n', '-c1', '-W2', to]);
      if (r.status === 0) return true;
    }
    return false;
  }

  inNetns(netns: string, cmd: string, args: readonly string[]): string {
    return mustRun('ip', ['netns', 'exec', netns, cmd, ...args]);
  }

  /**
   * DELs every live delegation (reverse order), deletes every namespace and link
   * made, then sweeps anything still carrying this harness' prefix. Safe to call
   * again; throws if something could not be removed.
   */
  cleanup(): void {
    const errors: string[] = [];
    for (const d of [...this.delegations].reverse()) {
      try {
        this.del(d);
      } catch (err) {
        d.deleted = true;
        errors.push((err as Error).message);
      }
    }
    this.delegations.length = 0;
    for (const ns of this.namespaces) deleteNetns(ns, errors);
    this.namespaces.clear();
    for (const link of this.links) deleteLink(link, errors);
    this.links.clear();
    sweepPrefix(`${this.id}-`, errors);
    const left = this.leftovers();
    if (left.length > 0) errors.push(`still present after cleanup: ${left.join(', ')}`);
    if (errors.length > 0) throw new Error(`CNI harness cleanup: ${errors.join('\n')}`);
  }

  leftovers(): string[] {
    const prefix = `${this.id}-`;
    return [...listNetns(), ...listLinks()].filter((n) => n.startsWith(prefix));
  }

  private writeSysctl(netns: string | undefined, key: string, value: string): void {
    const script = `echo ${value} > /proc/sys/${key}`;
    if (netns === undefined) mustRun('sh', ['-c', script]);
    else mustRun('ip', ['netns', 'exec', netns, 'sh', '-c', script]);
  }
}

/** Removes namespaces and links of harness runs whose process no longer exists. */
export function sweepStale(): string[] {
  const removed: string[] = [];
  const errors: string[] = [];
  const stale = (name: string): boolean => {
    const m = ID_PATTERN.exec(name);
    return m !== null && !processAlive(Number.parseInt(m[1], 36));
  };
  for (const ns of listNetns().filter(stale)) {
    deleteNetns(ns, errors);
    removed.push(ns);
  }
  for (const link of listLinks().filter(stale)) {
    deleteLink(link, errors);
    removed.push(link);
  }
  return removed;
}

function sweepPrefix(prefix: string, errors: string[]): void {
  for (const ns of listNetns().filter((n) => n.startsWith(prefix))) deleteNetns(ns, errors);
  for (const link of listLinks().filter((n) => n.startsWith(prefix))) deleteLink(link, errors);
}

function processAlive(pid: number): boolean {
  if (!Number.isFinite(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function listNetns(): string[] {
  return ipJson(['netns', 'list'])
    .map((n) => n.name)
    .filter((n): n is string => typeof n === 'string');
}

function listLinks(): string[] {
  return ipJson(['link', 'show'])
    .map((l) => l.ifname)
    .filter((n): n is string => typeof n === 'string');
}

function deleteNetns(name: string, errors: string[]): void {
  if (!listNetns().includes(name)) return;
  const r = runCommand('ip', ['netns', 'del', name]);
  if (r.status !== 0) errors.push(`ip netns del ${name}: ${r.stderr.trim()}`);
}

function deleteLink(name: string, errors: string[]): void {
  // Deleting one end of a veth pair removes its peer too.
  if (!listLinks().includes(name)) return;
  const r = runCommand('ip', ['link', 'del', name]);
  if (r.status !== 0 && listLinks().includes(name)) errors.push(`ip link del ${name}: ${r.stderr.trim()}`);
}

function ipJson(args: readonly string[]): JsonObject[] {
  const out = mustRun('ip', ['-j', ...args]).trim();
  if (out === '') return [];
  const parsed: Json = parseJson(out, `ip -j ${args.join(' ')}`);
  return Array.isArray(parsed) ? parsed.filter(isJsonObject) : [];
}

function normalizeDst(dst: string, family: 4 | 6): string {
  if (dst === 'default') return family === 4 ? '0.0.0.0/0' : '::/0';
  if (dst.includes('/')) return dst;
  return `${dst}/${family === 4 ? 32 : 128}`;
}
