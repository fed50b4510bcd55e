/** What each `nabla` subcommand exports. */
export interface Command {
  /** Words after `nabla`, e.g. 'train cnn'. */
  name: string;
  summary: string;
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
