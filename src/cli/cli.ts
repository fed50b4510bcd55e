/** The `nabla` commands, and how a command line finds and runs its subcommand (main.ts is the executable). */
import type { Command } from './command.js';
import { UsageError } from './args.js';
import { command as trainCnn } from './commands/train-cnn.js';
import { command as evalCnn } from './commands/eval-cnn.js';
import { command as predict } from './commands/predict.js';
import { command as trainSine } from './commands/train-sine.js';
import { command as trainCharlm } from './commands/train-charlm.js';
import { command as sample } from './commands/sample.js';
import { commands as dataCommands } from './commands/data.js';
import { command as trainTranslate } from './commands/train-translate.js';
import { command as translate } from './commands/translate.js';
import { commands as trainEmbeddings } from './commands/train-embeddings.js';
import { commands as embedCommands } from './commands/embed.js';
import { command as trainBert } from './commands/train-bert.js';
import { command as finetuneBert } from './commands/finetune-bert.js';
import { commands as bertCommands } from './commands/bert.js';

export const commands: Command[] = [
  trainCnn, evalCnn, predict,
  trainSine, trainCharlm, sample,
  ...dataCommands, trainTranslate, translate,
  ...trainEmbeddings, ...embedCommands,
  trainBert, finetuneBert, ...bertCommands,
];

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  let best: { command: Command; rest: string[] } | null = null;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return ['Usage: nabla <command> [options]', '', 'Commands:',
    ...commands.map((c) => `  nabla ${c.name.padEnd(width)}  ${c.summary}`),
    '', 'Run `nabla <command> --help` for the options of each command.'].join('\n');
}

/** Runs a command line (the words after `nabla`); resolves to the exit code: 0, 1 for an error, 2 for a usage error. */
export async function runCli(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const target = argv[0] === 'help' ? findCommand(argv.slice(1)) : null;
    if (target) return target.command.run(['--help']);
    console.log(overview());
    return argv.length === 0 ? 1 : 0;
  }
  const found = findCommand(argv);
  if (!found) {
    console.error(`nabla: unknown command '${argv.join(' ')}'\n\n${overview()}`);
    return 2;
  }
  try {
    return await found.command.run(found.rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`nabla ${found.command.name}: ${e.message}\nUsage: ${found.command.usage}\nRun 'nabla ${found.command.name} --help' for all options.`);
      return 2;
    }
    console.error(`nabla ${found.command.name}: ${(e as Error).message}`);
    return 1;
  }
}
