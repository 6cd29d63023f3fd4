/** What the dispatcher knows of a command: its name, one line for `netpipe --help`, and how to run it. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Runs with the words after the command's name; resolves to the exit code. */
  run(argv: readonly string[]): Promise<number>;
}
