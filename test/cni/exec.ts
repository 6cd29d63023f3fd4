import { spawnSync } from 'node:child_process';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function runCommand(cmd: string, args: readonly string[], opts: CommandOptions = {}): CommandResult {
  const r = spawnSync(cmd, [...args], {
    input: opts.input,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 30_000,
  });
  // A program may exit without reading all of stdin (CNI plugins do for VERSION):
  // the broken pipe is not a failure when it did exit.
  const brokenPipe = (r.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && r.status !== null;
  if (r.error && !brokenPipe) throw new Error(`${describe(cmd, args)}: ${r.error.message}`);
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a command that must succeed; the error carries the command line and its stderr. */
export function mustRun(cmd: string, args: readonly string[], opts: CommandOptions = {}): string {
  const r = runCommand(cmd, args, opts);
  if (r.status !== 0) {
    throw new Error(`${describe(cmd, args)} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

function describe(cmd: string, args: readonly string[]): string {
  return `\`${[cmd, ...args].join(' ')}\``;
}
