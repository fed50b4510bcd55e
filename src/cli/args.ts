/**
 * A small flag parser for the CLI: typed flags with defaults, help text, and clear errors. Numeric flags
 * declare their range in the spec (min/above, max/below), so every command refuses out-of-range values
 * the same way: "--k must be at least 1 and at most 100000, got 0".
 */

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Placeholder in the usage line, e.g. FILE. */
  value?: string;
  /** Numbers: the smallest value allowed. */
  min?: number;
  /** Numbers: values must be greater than this (an open end, e.g. a learning rate above 0). */
  above?: number;
  /** Numbers: the largest value allowed. */
  max?: number;
  /** Numbers: values must be less than this (an open end, e.g. a momentum below 1). */
  below?: number;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean
    : S[K]['type'] extends 'int' | 'number' ? number
    : string;
} & {
  _: string[];
  help: boolean;
  /** The flags given on the command line (the others hold their defaults), e.g. to tell an override from a default. */
  given: ReadonlySet<string>;
};

export class UsageError extends Error {}

export const toKebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** "at least 1 and at most 64", "greater than 0", ...: the range a spec allows, or '' when it has none. */
function rangeText(spec: FlagSpec): string {
  const low = spec.min !== undefined ? `at least ${spec.min}` : spec.above !== undefined ? `greater than ${spec.above}` : '';
  const high = spec.max !== undefined ? `at most ${spec.max}` : spec.below !== undefined ? `less than ${spec.below}` : '';
  return [low, high].filter(Boolean).join(' and ');
}

function inRange(value: number, spec: FlagSpec): boolean {
  return !(
    (spec.min !== undefined && value < spec.min) || (spec.above !== undefined && value <= spec.above) ||
    (spec.max !== undefined && value > spec.max) || (spec.below !== undefined && value >= spec.below)
  );
}

/** Throws the UsageError for a numeric flag's value outside its declared range (also for values restored from a checkpoint). */
export function checkRange(name: string, spec: FlagSpec, value: number, raw: string = String(value)): void {
  if (!inRange(value, spec)) throw new UsageError(`--${toKebab(name)} must be ${rangeText(spec)}, got ${raw}`);
}

/** Parses `--flag value`, `--flag=value` and `--bool`; positional arguments land in `_`. */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): ParsedFlags<S> {
  const given = new Set<string>();
  const out: Record<string, unknown> = { _: [], help: false, given };
  const byFlag = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    byFlag.set(toKebab(name), name);
    if (spec.default !== undefined) out[name] = spec.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') { out.help = true; continue; }
    if (!arg.startsWith('--')) { (out._ as string[]).push(arg); continue; }
    const [flag, inline] = arg.slice(2).split(/=(.*)/s, 2);
    const name = byFlag.get(flag);
    if (!name) throw new UsageError(`unknown option --${flag} (known: ${[...byFlag.keys()].map((f) => `--${f}`).join(', ')})`);
    const spec = specs[name];
    given.add(name);
    if (spec.type === 'boolean') {
      out[name] = inline === undefined ? true : !['false', '0', 'no'].includes(inline);
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new UsageError(`option --${flag} needs a value`);
    if (spec.type === 'int' || spec.type === 'number') {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value) || (spec.type === 'int' && !Number.isInteger(value))) {
        throw new UsageError(`option --${flag} expects ${spec.type === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
      }
      checkRange(name, spec, value, raw);
      out[name] = value;
    } else {
      if (spec.choices && !spec.choices.includes(raw)) throw new UsageError(`option --${flag} must be one of ${spec.choices.join(', ')}, got '${raw}'`);
      out[name] = raw;
    }
  }
  return out as ParsedFlags<S>;
}

export function formatHelp(usage: string, summary: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `--${toKebab(name)}${spec.type === 'boolean' ? '' : ` ${spec.value ?? (spec.choices ? spec.choices.join('|') : spec.type.toUpperCase())}`}`;
    const notes = [
      spec.default !== undefined && spec.default !== false ? `default: ${spec.default}` : '',
      rangeText(spec),
    ].filter(Boolean);
    return [flag, spec.help + (notes.length ? ` (${notes.join('; ')})` : '')] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length), 10);
  return [`Usage: ${usage}`, '', summary, '', 'Options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`), `  ${'--help'.padEnd(width)}  show this help`].join('\n');
}
