import { accessSync, constants } from 'node:fs';
import { runCommand } from './exec';
import { isJsonObject, parseJson } from './json';
import { CNI_PATH, Invocation, PluginExec } from './multus';

export const REQUIRED_PLUGINS = ['macvlan', 'ipvlan', 'static', 'tuning'] as const;
const INSTALL_HINT = 'run `bash scripts/install-cni.sh` as root, then run the tests as root';

/**
 * Throws unless the real CNI plugins can be driven here. Tests call it in
 * beforeAll so that a machine without them fails loudly instead of skipping.
 */
export function assertCniPrerequisites(cniPath = CNI_PATH): void {
  const problems: string[] = [];
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    problems.push('not running as root (network namespaces and veth pairs need it)');
  }
  for (const p of REQUIRED_PLUGINS) {
    try {
      accessSync(`${cniPath}/${p}`, constants.X_OK);
    } catch {
      problems.push(`CNI plugin ${cniPath}/${p} is missing`);
    }
  }
  for (const [tool, args] of [['ip', ['-V']], ['ping', ['-V']]] as const) {
    try {
      if (runCommand(tool, args).status !== 0) problems.push(`\`${tool}\` does not run`);
    } catch {
      problems.push(`\`${tool}\` is not installed`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`CNI harness prerequisites are missing: ${problems.join('; ')}. Fix: ${INSTALL_HINT}.`);
  }
}

export class CniPluginError extends Error {
  constructor(
    readonly invocation: Invocation,
    readonly code: number | undefined,
    readonly msg: string,
    readonly details: string,
  ) {
    super(`CNI plugin ${invocation.type} ${invocation.command} failed (${invocation.env.CNI_IFNAME}): ${msg}${details ? ` - ${details}` : ''}\nstdin: ${invocation.stdin}\nCNI_ARGS: ${invocation.env.CNI_ARGS}`);
  }
}

/** Executes the plugin binary the way libcni's invoke package does: config on stdin, CNI_* in the environment. */
export const execPlugin: PluginExec = (inv) => {
  const binary = `${inv.env.CNI_PATH ?? CNI_PATH}/${inv.type}`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...inv.env };
  const r = runCommand(binary, [], { input: inv.stdin, env });
  if (r.status === 0) return r.stdout;
  let code: number | undefined;
  let msg = (r.stderr || r.stdout).trim();
  let details = '';
  try {
    const err = parseJson(r.stdout, 'plugin error');
    if (isJsonObject(err)) {
      code = typeof err.code === 'number' ? err.code : undefined;
      msg = typeof err.msg === 'string' ? err.msg : msg;
      details = typeof err.details === 'string' ? err.details : '';
    }
  } catch {
    // not the CNI error JSON; keep the raw text
  }
  throw new CniPluginError(inv, code, msg || `exit status ${r.status}`, details);
};

/** The CNI spec versions a plugin binary accepts (CNI_COMMAND=VERSION). */
export function pluginSupportedVersions(type: string, cniPath = CNI_PATH): string[] {
  const r = runCommand(`${cniPath}/${type}`, [], {
    input: JSON.stringify({ cniVersion: '0.3.1' }),
    env: { PATH: process.env.PATH, CNI_COMMAND: 'VERSION' },
  });
  if (r.status !== 0) throw new Error(`${type} VERSION failed: ${(r.stderr || r.stdout).trim()}`);
  const v = parseJson(r.stdout, `${type} VERSION output`);
  if (!isJsonObject(v) || !Array.isArray(v.supportedVersions)) throw new Error(`${type} VERSION: unexpected output ${r.stdout}`);
  return v.supportedVersions.filter((s): s is string => typeof s === 'string');
}
