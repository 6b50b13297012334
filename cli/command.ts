/** One `bpfq` subcommand: its help text and its entry point, returning the exit status. */
export interface Command {
  help: string;
  main(argv: string[]): Promise<number>;
}
