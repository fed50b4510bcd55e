/**
 * Run-time checks of options objects (PyTorch's keyword arguments): TypeScript checks them at compile
 * time, but JavaScript callers, `as any` and configs read from JSON reach the library unchecked, and
 * an option a function does not know would otherwise be ignored without a word (`{ learningRate: 0.5 }`
 * training at the default lr). Every public function and constructor that takes options calls
 * `checkOptions` first.
 */

/** One type an option may have; an option's type lists the ones it accepts, joined by '|'. */
export type OptionKind =
  | 'number' | 'integer' | 'boolean' | 'string' | 'function' | 'object' | 'array' | 'null' | 'any'
  /** an array of numbers */
  | 'numbers'
  /** an array of integers */
  | 'integers';

/** A value test for what kinds cannot say (a Tensor, a Generator): `expected` names it in the error. */
export interface OptionTest {
  readonly test: (value: unknown) => boolean;
  readonly expected: string;
}

/**
 * What an option accepts: kinds and quoted string values joined by '|' ("integer|integers|'same'"),
 * the list of allowed string values (['mean', 'sum', 'none']), or a test.
 */
export type OptionType = string | readonly string[] | OptionTest;

/** The accepted options of a function: every key of its options interface, each with its type. */
export type OptionSpec<T = Record<string, unknown>> = { readonly [K in keyof Required<T>]: OptionType };

const KIND_TESTS: Record<OptionKind, (v: unknown) => boolean> = {
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  function: (v) => typeof v === 'function',
  object: (v) => typeof v === 'object' && v !== null,
  array: (v) => Array.isArray(v),
  null: (v) => v === null,
  any: () => true,
  numbers: (v) => Array.isArray(v) && v.every((x) => typeof x === 'number'),
  integers: (v) => Array.isArray(v) && v.every((x) => Number.isInteger(x)),
};

const KIND_NAMES: Record<OptionKind, string> = {
  number: 'a number', integer: 'an integer', boolean: 'a boolean', string: 'a string', function: 'a function',
  object: 'an object', array: 'an array', null: 'null', any: 'anything', numbers: 'an array of numbers', integers: 'an array of integers',
};

/** A short description of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array ${JSON.stringify(value).slice(0, 40)}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return `${(value as object).constructor?.name && (value as object).constructor !== Object ? `a ${(value as object).constructor.name}` : 'an object'}`;
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

const isLiteral = (part: string) => part.startsWith("'");

function accepts(type: OptionType, value: unknown): boolean {
  if (typeof type === 'string') return type.split('|').some((k) => (isLiteral(k) ? value === k.slice(1, -1) : KIND_TESTS[k as OptionKind](value)));
  if (Array.isArray(type)) return type.includes(value as string);
  return (type as OptionTest).test(value);
}

function expectedText(type: OptionType): string {
  if (typeof type === 'string') return type.split('|').map((k) => (isLiteral(k) ? JSON.stringify(k.slice(1, -1)) : KIND_NAMES[k as OptionKind])).join(' or ');
  if (Array.isArray(type)) return `one of ${type.map((v) => JSON.stringify(v)).join(', ')}`;
  return (type as OptionTest).expected;
}

/** Edit distance (insertions, deletions, substitutions) of two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/**
 * The known option a mistyped key probably meant, and why: PyTorch's snake_case spelling or another
 * capitalisation, another library's name for it (`aliases`), or a typo (one edit in a short name, two
 * in a long one).
 */
function closest(key: string, known: readonly string[], aliases: Readonly<Record<string, string>>): string | undefined {
  const squash = (s: string) => s.replace(/_/g, '').toLowerCase();
  const spelling = known.find((k) => squash(k) === squash(key));
  if (spelling) return `did you mean '${spelling}'? nabla spells options in camelCase`;
  if (Object.prototype.hasOwnProperty.call(aliases, key) && known.includes(aliases[key])) return `did you mean '${aliases[key]}'?`;
  const typo = known.find((k) => editDistance(squash(k), squash(key)) <= (k.length <= 4 ? 1 : 2));
  return typo ? `did you mean '${typo}'?` : undefined;
}

/**
 * Throws when `options` has a key `spec` does not list (naming the known ones) or a value of the
 * wrong type (naming the expected type and the value). `undefined` values count as absent, as they
 * do for the defaults. `aliases` maps other libraries' names to nabla's (gensim's `topn` to `k`) for
 * the error's did-you-mean.
 */
export function checkOptions(where: string, options: unknown, spec: OptionSpec<object>, aliases: Readonly<Record<string, string>> = {}): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: expected an options object { ${Object.keys(spec).join(', ')} }, got ${describeValue(options)}`);
  }
  const types = spec as Record<string, OptionType>;
  for (const [key, value] of Object.entries(options)) {
    if (!Object.prototype.hasOwnProperty.call(types, key)) {
      const known = Object.keys(types);
      const guess = closest(key, known, aliases);
      throw new TypeError(`${where}: unknown option '${key}'${guess ? ` (${guess})` : ''}; known options: ${known.length ? known.join(', ') : 'none'}`);
    }
    if (value !== undefined && !accepts(types[key], value)) {
      throw new TypeError(`${where}: option ${key} must be ${expectedText(types[key])}, got ${describeValue(value)}`);
    }
  }
}

/** Option tests for numbers in a range; NaN and the infinities fail every one (a NaN lr trains nothing). */
export const POSITIVE_INTEGER: OptionTest = { test: (v) => Number.isInteger(v) && (v as number) > 0, expected: 'a positive integer' };
export const NON_NEGATIVE_INTEGER: OptionTest = { test: (v) => Number.isInteger(v) && (v as number) >= 0, expected: 'an integer >= 0' };
export const POSITIVE_NUMBER: OptionTest = { test: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0, expected: 'a finite number > 0' };
export const NON_NEGATIVE_NUMBER: OptionTest = { test: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0, expected: 'a finite number >= 0' };
export const FINITE_NUMBER: OptionTest = { test: (v) => typeof v === 'number' && Number.isFinite(v), expected: 'a finite number' };
