/** Runs the built `netpipe` CLI (cli/dist/netpipe.js) as a user does, and scratch package trees for it. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'cli', 'dist', 'netpipe.js');

export interface CliOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function netpipe(args: readonly string[], cwd = ROOT): CliOutcome {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The rows of a table as cells (columns are separated by two or more spaces). */
export function rows(text: string): string[][] {
  return text.split('\n').map((l) => l.trim().split(/\s{2,}/));
}

/** Whether a row starts with exactly these cells. */
export function hasRow(text: string, ...cells: string[]): boolean {
  return rows(text).some((row) => cells.every((c, i) => row[i] === c));
}

const made: string[] = [];

/** A scratch directory with the given files (path -> text). */
export function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netpipe-cli-'));
  made.push(dir);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

export function cleanupTrees(): void {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
}

/** An IPClaim as interface-fn generates it and ipam-fn binds it (Nephio's format). */
export function claim(o: { name: string; namespace: string; ni: string; cluster: string; iface: string; workload: string; family?: 'ipv4' | 'ipv6'; prefix?: string; gateway?: string }): string {
  const status = o.prefix ? `status:\n  prefix: ${o.prefix}\n  gateway: ${o.gateway}\n` : '';
  return `apiVersion: ipam.resource.nephio.org/v1alpha1
kind: IPClaim
metadata:
  name: ${o.name}
  namespace: ${o.namespace}
  annotations:
    specializer.nephio.org/owner: req.nephio.org/v1alpha1.Interface.${o.iface}
    specializer.nephio.org/for: workload.nephio.org/v1alpha1.NFDeployment.${o.workload}
    config.kubernetes.io/local-config: 'true'
    netpipe.dev/interface: ${o.namespace}/${o.iface}
spec:
  kind: network
  networkInstance:
    name: ${o.ni}
  selector:
    matchLabels:
      nephio.org/address-family: ${o.family ?? 'ipv4'}
      nephio.org/cluster-name: ${o.cluster}
${status}`;
}

export const KPTFILE = (name: string): string => `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\n`;
