/**
 * `netpipe import`: an existing deployment's static NADs (or whereabouts' records) and workloads
 * -> netpipe's inputs, such that the next render keeps every address, VLAN and NAD setting. On any
 * conflict nothing is written and the exit code is 1.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ifNameProblem, labelValueProblem } from '../../../functions/lib/src';
import { attach, AddressSource } from './attachments';
import { Findings } from './findings';
import { readManifests } from './manifests';
import { readNads } from './nad-config';
import { planNetworks } from './networks';
import { adoptedRows, ImportReport, reportText } from './report';
import { staticAddresses } from './static-addresses';
import { readWhereabouts, unclaimed } from './whereabouts';
import { checkTarget, packageFiles, writePackage } from './writer';
import { readWorkloads } from './workloads';

export const IMPORT_USAGE = `usage: netpipe import --from nads FILE_OR_DIR... --into DIR --cluster NAME --master IF [--function exec:PATH|image:REF] [--json]
       netpipe import --from whereabouts FILE_OR_DIR... --into DIR --cluster NAME --master IF [--function ...] [--json]

Reads one cluster's NetworkAttachmentDefinitions (macvlan, ipvlan, sriov; static IPAM, or
whereabouts with --from whereabouts together with its IPPool and OverlappingRangeIPReservation
dumps) and the Deployments and StatefulSets whose k8s.v1.cni.cncf.io/networks annotation names
them, and writes netpipe's inputs into DIR (new or empty): a Kptfile running netpipe-fn, the
WorkloadCluster, NetworkInstances from the subnets, per workload its Interfaces, the workload and
IPClaims (and VLANClaims) that adopt the addresses (and VLANs) the pods have now, so the next
\`kpt fn render\` keeps them. Prints what it adopted and every conflict; on a conflict nothing is
written and the exit code is 1.

  --from nads|whereabouts   where the addresses are recorded today
  --into DIR                the package to write (new or empty)
  --cluster NAME            the cluster's name (WorkloadCluster spec.clusterName)
  --master IF               the host interface macvlan/ipvlan attach to (WorkloadCluster spec.masterInterface)
  --function REF            netpipe-fn in the Kptfile: exec:PATH or image:REF (default: exec: of the netpipe-fn
                            bundle beside this command, an absolute path)
  --json                    one JSON document instead of tables
`;

const CNI_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const DEFAULT_CNI_VERSION = '0.3.1';

interface ImportArgs {
  from: 'nads' | 'whereabouts';
  paths: string[];
  into: string;
  cluster: string;
  master: string;
  fn: { exec: string } | { image: string };
  json: boolean;
}

function parse(argv: readonly string[]): ImportArgs | string {
  const paths: string[] = [];
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
      if (!['from', 'into', 'cluster', 'master', 'function'].includes(key)) return `unknown option ${a}`;
      const value = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (value === undefined || value === '') return `${a} needs a value`;
      flags.set(key, value);
    } else paths.push(a);
  }
  const from = flags.get('from');
  if (from !== 'nads' && from !== 'whereabouts') return '--from takes nads or whereabouts';
  for (const k of ['into', 'cluster', 'master']) if (!flags.has(k)) return `--${k} is required`;
  if (paths.length === 0) return 'give the manifests to import (files or directories)';
  const fnText = flags.get('function');
  let fn: ImportArgs['fn'];
  if (fnText === undefined) {
    const bundle = defaultBundle();
    if (bundle === undefined) return 'no netpipe-fn bundle found beside this command: pass --function exec:PATH or --function image:REF';
    fn = { exec: bundle };
  } else if (fnText.startsWith('exec:')) fn = { exec: resolve(fnText.slice(5)) };
  else if (fnText.startsWith('image:')) fn = { image: fnText.slice(6) };
  else return '--function takes exec:PATH or image:REF';
  return { from, paths, into: resolve(flags.get('into')!), cluster: flags.get('cluster')!, master: flags.get('master')!, fn, json };
}

/** functions/netpipe-fn/dist/netpipe-fn.js of the tree this command was built in. */
function defaultBundle(): string | undefined {
  for (let d = __dirname; ; d = dirname(d)) {
    const p = join(d, 'functions', 'netpipe-fn', 'dist', 'netpipe-fn.js');
    if (existsSync(p)) return p;
    if (dirname(d) === d) return undefined;
  }
}

/** Settings nad-fn takes once per render, so every NAD of the cluster must agree on them. */
function pipelineConfig(cniVersions: readonly { v: string; ref: string }[], resources: readonly { r: string; ref: string }[], findings: Findings): Record<string, string> {
  const config: Record<string, string> = {};
  const versions = [...new Set(cniVersions.map((x) => x.v))].sort();
  if (versions.length > 1) findings.conflict(cniVersions.map((x) => x.ref).sort().join(', '), `cniVersion ${versions.join(' and ')}: netpipe writes one cniVersion for the NADs of a render; make them agree`, 'spec.config');
  else if (versions.length === 1 && !CNI_VERSIONS.includes(versions[0])) findings.conflict(cniVersions[0].ref, `cniVersion ${versions[0]}: nad-fn writes ${CNI_VERSIONS.join(', ')}`, 'spec.config');
  else if (versions.length === 1 && versions[0] !== DEFAULT_CNI_VERSION) config.cniVersion = versions[0];
  const names = [...new Set(resources.map((x) => x.r))].sort();
  if (names.length > 1) findings.conflict(resources.map((x) => x.ref).sort().join(', '), `SR-IOV resource names ${names.join(' and ')}: netpipe writes one sriovResourceName per render`, 'metadata.annotations');
  else if (names.length === 1) config.sriovResourceName = names[0];
  return config;
}

export function runImport(argv: readonly string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(IMPORT_USAGE);
    return 0;
  }
  const args = parse(argv);
  if (typeof args === 'string') {
    process.stderr.write(`netpipe import: ${args}\n${IMPORT_USAGE}`);
    return 2;
  }
  const target = checkTarget(args.into);
  if (target !== undefined) {
    process.stderr.write(`netpipe import: ${target}\n`);
    return 2;
  }
  const findings = new Findings();
  const clusterProblem = labelValueProblem(args.cluster);
  if (clusterProblem) findings.conflict(`--cluster ${args.cluster}`, `not a label value: ${clusterProblem}`);
  const masterProblem = ifNameProblem(args.master);
  if (masterProblem) findings.conflict(`--master ${args.master}`, `not a Linux interface name: ${masterProblem}`);

  const manifests = readManifests(args.paths);
  const { nads, refused } = readNads(manifests, findings);
  const workloads = readWorkloads(manifests, findings);
  for (const w of workloads) if (w.name.includes('.')) findings.conflict(w.ref, 'a workload name with a dot: netpipe names Interfaces\' NADs and claims after the last dot-segment of the workload', 'metadata.name');
  let source: AddressSource = staticAddresses;
  const where = args.from === 'whereabouts' ? readWhereabouts(manifests, workloads, nads, findings) : undefined;
  if (where) source = (w, e, i, n, f) => (n.ipam === 'whereabouts' ? where.source(w, e, i, n, f) : staticAddresses(w, e, i, n, f));
  const { attachments, kept } = attach(workloads, nads, refused, source, findings);
  for (const a of attachments) {
    const p = ifNameProblem(a.podInterface);
    if (p) findings.conflict(a.workload.ref, `pod interface ${a.podInterface}: ${p}`, 'spec.template.metadata.annotations');
  }
  // Which allocations no attachment took is only known once every attachment was found.
  if (where && findings.conflicts.length === 0) unclaimed(where, new Set(attachments.flatMap((a) => a.addresses.map((x) => `${x.family}|${x.value}`))), findings);
  const networks = planNetworks(attachments, { master: args.master, ...(where ? { excluded: where.excluded } : {}) }, findings);
  const config = pipelineConfig(
    attachments.map((a) => ({ v: a.nad.cniVersion, ref: a.nad.ref })),
    attachments.filter((a) => a.nad.resourceName !== undefined).map((a) => ({ r: a.nad.resourceName!, ref: a.nad.ref })),
    findings,
  );
  if (attachments.length === 0 && findings.conflicts.length === 0) findings.conflict(args.paths.join(' '), 'no workload attaches to an importable NAD: nothing to import');

  const files = packageFiles(networks, kept, {
    cluster: args.cluster,
    master: args.master,
    fn: args.fn,
    config,
    description: `cluster ${args.cluster}, imported by netpipe import --from ${args.from}`,
  });
  for (const [w, d] of files.dropped) findings.note(w.ref, `server-set fields not written to the package: ${d.join(', ')}`);
  const ok = findings.conflicts.length === 0;
  if (ok) writePackage(args.into, files.files);
  const report: ImportReport = {
    from: args.from,
    cluster: args.cluster,
    into: args.into,
    written: ok,
    next: `kpt fn render ${'exec' in args.fn ? '--allow-exec ' : ''}${args.into}`,
    adopted: adoptedRows(networks, files.nadNames),
    networks: networks.map((n) => ({ name: n.name, prefixes: n.subnets.map((s) => s.cidr), routeOnly: n.routeOnly, vlan: n.vlan ?? null })),
    notes: findings.notes,
    conflicts: findings.conflicts,
  };
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : reportText(report));
  return ok ? 0 : 1;
}
