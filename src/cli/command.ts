/**
 * What each `nabla` subcommand is, and the skeleton that builds one. A new command is one file under
 * cli/commands exporting the result of defineCommand, listed in cli.ts's `commands`:
 *
 *   export const command = defineCommand({
 *     name: 'train bert',                          // the words after `nabla`
 *     summary: 'fine-tune BERT on ...',            // one line in `nabla --help`
 *     description: 'Longer text for --help.',      // optional (default: the summary)
 *     usage: 'nabla train bert [--epochs 3] ...',  // optional (default: built from the flags)
 *     positionals: 'FILE',                         // optional: without it, any positional argument is an error
 *     flags: {
 *       epochs: { type: 'int', default: 3, min: 1, max: 1000, help: 'passes over the data' },
 *       lr: { type: 'number', default: 2e-5, above: 0, max: 1, help: 'AdamW learning rate' },
 *       json: { type: 'boolean', help: 'print a JSON summary as the last line of stdout' },
 *     },
 *     async run(args, { log, lockOutput }) { ...; return 0; },
 *   });
 *
 * The skeleton prints --help, parses the flags (types, choices and the declared numeric ranges, with one
 * message format), refuses unexpected positional arguments, and hands run() the parsed flags and a `log`
 * that writes to stdout, or to stderr when --json is set (so stdout keeps the JSON line alone), and
 * `lockOutput` for trainers (call it once the output path is settled, before the work starts). A
 * UsageError thrown by run() is printed by cli.ts with the usage line and exit code 2; any other error
 * with exit code 1. Shared pieces for trainers live beside this file: outputs.ts (output paths, the lock,
 * where files go), training.ts (the non-finite loss check), resume.ts (checkpoint validation and settings).
 */
import { acquireLock, type OutputLock } from '../io/lock.js';
import { formatHelp, parseFlags, toKebab, UsageError, type FlagSpecs, type ParsedFlags } from './args.js';

/** What cli.ts runs. */
export interface Command {
  /** Words after `nabla`, e.g. 'train cnn'. */
  name: string;
  summary: string;
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

export interface CommandContext {
  /** A progress or result line: stdout, or stderr when the command has --json and it is set. */
  log(line: string): void;
  /**
   * Takes `<path>.lock` (io/lock.ts) for the rest of the command, so that a second run writing the same output
   * is refused; released when run() ends, however it ends.
   */
  lockOutput(path: string): void;
}

export interface CommandDefinition<S extends FlagSpecs> {
  name: string;
  summary: string;
  description?: string;
  usage?: string;
  /** Placeholder of the positional arguments in the usage line; when absent, positional arguments are refused. */
  positionals?: string;
  flags: S;
  run(args: ParsedFlags<S>, context: CommandContext): Promise<number | void> | number | void;
}

/** `nabla train cnn [--model simple|lenet] [--epochs N] ...` from the flag specs. */
function usageFrom(name: string, flags: FlagSpecs, positionals?: string): string {
  const parts = Object.entries(flags).map(([key, spec]) => {
    const flag = `--${toKebab(key)}`;
    if (spec.type === 'boolean') return `[${flag}]`;
    return `[${flag} ${spec.choices ? spec.choices.join('|') : spec.value ?? spec.default ?? spec.type.toUpperCase()}]`;
  });
  return ['nabla', name, ...parts, ...(positionals ? [positionals] : [])].join(' ');
}

export function defineCommand<S extends FlagSpecs>(definition: CommandDefinition<S>): Command & { flags: S } {
  const usage = definition.usage ?? usageFrom(definition.name, definition.flags, definition.positionals);
  return {
    name: definition.name,
    summary: definition.summary,
    usage,
    flags: definition.flags,
    async run(argv) {
      const args = parseFlags(argv, definition.flags);
      if (args.help) {
        console.log(formatHelp(usage, definition.description ?? definition.summary, definition.flags));
        return 0;
      }
      if (definition.positionals === undefined && args._.length) throw new UsageError(`unexpected argument '${args._[0]}'`);
      const toStderr = 'json' in definition.flags && (args as Record<string, unknown>).json === true;
      const log = (line: string) => (toStderr ? console.error(line) : console.log(line));
      const locks: OutputLock[] = [];
      const lockOutput = (path: string) => void locks.push(acquireLock(path, `nabla ${definition.name}`));
      try {
        return (await definition.run(args, { log, lockOutput })) ?? 0;
      } finally {
        for (const lock of locks) lock.release();
      }
    },
  };
}
