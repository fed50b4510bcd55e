/**
 * Output paths of the commands, settled before any work starts: a folder or an extension-less name is
 * turned into a file name (and the command says so), the folder is created, a path that cannot be written
 * (under a regular file, in a read-only folder) is refused up front, and trainers take a lock on it (io/lock.ts)
 * so that two runs never write the same files.
 */
import fs from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { UsageError } from './args.js';

export interface OutputOptions {
  /** The flag that named the path, for messages (default --out). */
  flag?: string;
  /** The file's extension, e.g. '.safetensors': added to a name that has none. */
  extension?: string;
  /** The file name used when the path is a folder (an existing one, or a path ending in '/'). */
  fileName: string;
}

export interface ResolvedOutput {
  path: string;
  /** What was made of the path given, when it was not used as is (for the user). */
  note: string | null;
}

/** The nearest existing ancestor of a path (the path itself when it exists). */
function existingAncestor(path: string): string {
  let at = resolve(path);
  while (!fs.existsSync(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

/** Resolves an output path as described above and creates its folder; a UsageError when it cannot be written. */
export function resolveOutput(given: string, options: OutputOptions): ResolvedOutput {
  const flag = options.flag ?? '--out';
  let path = given, note: string | null = null;
  const isDir = given.endsWith('/') || (fs.existsSync(given) && fs.statSync(given).isDirectory());
  if (isDir) {
    path = join(given, options.fileName);
    note = `${flag} ${given} is a folder: writing ${path}`;
  } else if (options.extension && extname(given) === '') {
    path = given + options.extension;
    note = `${flag} ${given} has no extension: writing ${path}`;
  }
  const folder = dirname(path);
  const ancestor = existingAncestor(folder);
  if (!fs.statSync(ancestor).isDirectory()) {
    throw new UsageError(`${flag} ${given}: cannot create the folder ${folder}, because ${ancestor} is a file`);
  }
  fs.mkdirSync(folder, { recursive: true });
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new UsageError(`${flag} ${given}: the folder ${folder} is not writable`);
  }
  if (fs.existsSync(path) && !fs.statSync(path).isFile()) throw new UsageError(`${flag} ${given}: ${path} exists and is not a file`);
  return { path, note };
}
