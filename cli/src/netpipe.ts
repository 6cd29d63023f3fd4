/**
 * `netpipe`: the operator's command line. One module per command under commands/; this file only
 * picks the command by its first word, so adding one is one line in COMMANDS.
 */
import { Command } from './commands/command';
import { importCommand } from './commands/import';
import { ledgerCommand } from './commands/ledger';
import { planCommand } from './commands/plan';
import { reportCommand } from './commands/report';
import { showCommand } from './commands/show';

const COMMANDS: readonly Command[] = [
  showCommand,
  planCommand,
  reportCommand,
  ledgerCommand,
  importCommand,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `usage: netpipe <command> [options]   (netpipe <command> --help for its options)\n\n${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n`;
}

async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return command.run(rest);
  const help = name === '--help' || name === 'help';
  if (name === undefined || help) process.stdout.write(usage());
  else process.stderr.write(`netpipe: unknown command ${name}\n${usage()}`);
  return help ? 0 : 2;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`netpipe: ${e.message}\n`);
    // 1 is a finding (a conflict, a failed render); 2 is a command that could not run.
    process.exitCode = 2;
  },
);
