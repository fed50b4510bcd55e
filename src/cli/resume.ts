/**
 * Resuming a training run: the checkpoint is checked before anything is trained (a checkpoint of another
 * command, a missing or impossible epoch, missing state: refused with the reason), and the run's settings
 * stored in it come back unless the command line overrides them.
 *
 * The checkpoint is the authoritative record of a run: trainers write it before the weights file, so a
 * crash between the two leaves the weights behind it, never ahead, and a resumed run rewrites the weights
 * from the checkpoint before it trains on.
 */
import * as nb from '../node.js';
import { checkRange, toKebab, UsageError, type FlagSpecs, type ParsedFlags } from './args.js';

export interface ResumeCheckpoint extends Record<string, unknown> {
  /** Epochs done, 1 or more. */
  epoch: number;
  /** The settings of the run, by flag name. */
  args: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Loads a checkpoint for `nabla <command> --resume` and checks its metadata: the format, a whole epoch count
 * of at least 1, the settings, and the listed state fields. A checkpoint written before formats were recorded
 * is accepted when `unversioned` is set and the rest checks out.
 */
export function loadResumeCheckpoint(path: string, options: { command: string; format: string; state: readonly string[]; unversioned?: boolean }): ResumeCheckpoint {
  let doc: unknown;
  try {
    doc = nb.loadCheckpoint(path);
  } catch (e) {
    throw new UsageError(`--resume: ${(e as Error).message}`);
  }
  const notOurs = `--resume: '${path}' is not a checkpoint of \`nabla ${options.command}\``;
  if (!isRecord(doc)) throw new UsageError(`${notOurs} (its document is ${JSON.stringify(doc)})`);
  if (doc.format !== options.format && !(options.unversioned && doc.format === undefined)) {
    throw new UsageError(`${notOurs} (format ${JSON.stringify(doc.format ?? null)}, expected "${options.format}")`);
  }
  const epoch = doc.epoch;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 1) {
    throw new UsageError(`--resume: '${path}' records epoch ${JSON.stringify(epoch ?? null)}; expected the number of epochs done, a whole number of at least 1 (the file is damaged or was not written by nabla)`);
  }
  const missing = ['args', ...options.state].filter((k) => !isRecord(doc[k]) && !Array.isArray(doc[k]));
  if (missing.length) throw new UsageError(`--resume: '${path}' lacks ${missing.join(', ')}; it cannot be resumed`);
  return doc as ResumeCheckpoint;
}

/**
 * The settings of a resumed run: each flag stored in the checkpoint comes back unless given on the command
 * line; `fixed` flags (what the saved state depends on, e.g. the architecture) may only be given with the
 * stored value. Restored values are checked against the flag specs like typed ones.
 */
export function restoreSettings<S extends FlagSpecs>(args: ParsedFlags<S>, stored: Record<string, unknown>, specs: S, fixed: readonly (keyof S & string)[]): ParsedFlags<S> {
  const out: Record<string, unknown> = { ...args };
  for (const [name, spec] of Object.entries(specs)) {
    if (!(name in stored) || stored[name] === undefined || stored[name] === null) continue;
    const value = stored[name];
    const flag = `--${toKebab(name)}`;
    if (args.given.has(name)) {
      if (fixed.includes(name) && args[name] !== value) {
        throw new UsageError(`${flag} ${String(args[name])}: the checkpoint's run used ${flag} ${String(value)}, which a resumed run keeps (start a new run to change it)`);
      }
      continue;
    }
    const expected = spec.type === 'int' || spec.type === 'number' ? 'number' : spec.type;
    if (typeof value !== expected || (spec.type === 'int' && !Number.isInteger(value)) || (spec.choices && !spec.choices.includes(value as string))) {
      throw new UsageError(`--resume: the checkpoint's ${flag} is ${JSON.stringify(value)}, not a valid value`);
    }
    if (typeof value === 'number') checkRange(name, spec, value);
    out[name] = value;
  }
  return out as ParsedFlags<S>;
}

/** The flags of a run as stored in its checkpoint (the spec's keys only, without the ones naming this invocation). */
export function settingsToStore<S extends FlagSpecs>(args: ParsedFlags<S>, specs: S, leaveOut: readonly (keyof S & string)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(specs)) if (!leaveOut.includes(name) && args[name] !== undefined) out[name] = args[name];
  return out;
}
