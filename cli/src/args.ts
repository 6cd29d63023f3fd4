/** Command-line words split into positional arguments and `--flag value` / `--flag=value` flags. */
export interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

/** Flags that take no value; every other `--flag` takes the next word. */
const SWITCHES = ['json', 'help', 'existing', 'dry-run'];

export function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq !== -1) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (SWITCHES.includes(a.slice(2))) flags.set(a.slice(2), true);
    else flags.set(a.slice(2), argv[++i] ?? '');
  }
  return { positional, flags };
}

/** A flag's value when it was given one. */
export function flagText(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Refuses flags a command does not know, so a typo is not silently ignored. */
export function checkFlags(args: Args, known: readonly string[], command: string): void {
  const unknown = [...args.flags.keys()].filter((f) => !known.includes(f) && f !== 'help');
  if (unknown.length > 0) throw new Error(`${command}: unknown option ${unknown.map((f) => `--${f}`).join(', ')}; see netpipe ${command} --help`);
}
