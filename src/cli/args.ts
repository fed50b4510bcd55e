/** A small flag parser for the CLI: typed flags with defaults, help text, and clear errors. */

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  /** Placeholder in the usage line, e.g. FILE. */
  value?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;
export type ParsedFlags<S extends FlagSpecs> = {
  [K in keyof S]: S[K]['type'] extends 'boolean' ? boolean
    : S[K]['type'] extends 'int' | 'number' ? number
    : string;
} & { _: string[]; help: boolean };

export class UsageError extends Error {}

const toKebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Parses `--flag value`, `--flag=value` and `--bool`; positional arguments land in `_`. */
export function parseFlags<S extends FlagSpecs>(argv: readonly string[], specs: S): ParsedFlags<S> {
  const out: Record<string, unknown> = { _: [], help: false };
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
    const extra = spec.default !== undefined && spec.default !== false ? ` (default: ${spec.default})` : '';
    return [flag, spec.help + extra] as const;
  });
  const width = Math.max(...rows.map(([f]) => f.length), 10);
  return [`Usage: ${usage}`, '', summary, '', 'Options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`), `  ${'--help'.padEnd(width)}  show this help`].join('\n');
}

/** Throws a UsageError naming the first of these numeric flags below `min`, e.g. "--seq-len must be at least 1, got 0". */
export function requireAtLeast<K extends string>(values: Record<K, number>, names: readonly K[], min = 1): void {
  for (const name of names) {
    if (values[name] < min) throw new UsageError(`--${toKebab(name)} must be at least ${min}, got ${values[name]}`);
  }
}

/**
 * What every command does first: parse its flags, and on --help print the help and return null
 * (the command then exits with 0).
 */
export function parseCommandLine<S extends FlagSpecs>(argv: readonly string[], specs: S, usage: string, description: string): ParsedFlags<S> | null {
  const parsed = parseFlags(argv, specs);
  if (!parsed.help) return parsed;
  console.log(formatHelp(usage, description, specs));
  return null;
}
