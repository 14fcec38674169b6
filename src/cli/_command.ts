/**
 * The shape every `mlops` command shares: node's util.parseArgs underneath (no dependency), help
 * first (`--help`/`-h` anywhere answers exit 0, even when required options are missing), positionals
 * named in the usage line, `--json` on commands that print data, and one set of exit codes:
 *   0 ok, 1 a failed run or request (the API's code on stderr), 2 usage or input error.
 */
import { parseArgs as nodeParseArgs } from 'node:util';
import { ApiError } from '../client/api';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A request or run that failed for a reason other than the API's answer (exit 1). */
export class CommandFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export type OptionKind = 'string' | 'boolean' | 'number' | 'integer' | 'list';

export interface OptionSpec {
  name: string;
  kind: OptionKind;
  help: string;
  required?: boolean;
  /** One letter, e.g. 'f' for -f. */
  short?: string;
  /** Older names still accepted (not shown as options of their own). */
  aliases?: string[];
  /** Allowed values (for lists: of each item); listed in the help. */
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Placeholder in the help, e.g. FILE (default: the kind). */
  value?: string;
}

export interface PositionalSpec {
  name: string;
  help: string;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  positionals?: PositionalSpec[];
  options: OptionSpec[];
  /** Adds --json (the command prints data). */
  json?: boolean;
  /** Adds --url and --key (the command talks to a running app). */
  remote?: boolean;
  /** Paragraphs after the options (what the command does, examples). */
  details?: string;
}

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface Parsed {
  opts: OptionValues;
  args: Record<string, string | undefined>;
}

export const REMOTE_OPTIONS: OptionSpec[] = [
  { name: 'url', kind: 'string', value: 'URL', help: 'the app base URL (default MLOPS_URL, else the local stack http://127.0.0.1:7071)' },
  { name: 'key', kind: 'string', value: 'KEY', help: 'a function key (default MLOPS_KEY; for the local stack read from its storage)' },
];
const JSON_OPTION: OptionSpec = { name: 'json', kind: 'boolean', help: 'print JSON (for scripts)' };
const HELP_OPTION: OptionSpec = { name: 'help', kind: 'boolean', short: 'h', help: 'show this help' };

export function allOptions(spec: CommandSpec): OptionSpec[] {
  return [...spec.options, ...(spec.remote ? REMOTE_OPTIONS : []), ...(spec.json ? [JSON_OPTION] : []), HELP_OPTION];
}

function placeholder(o: OptionSpec): string {
  if (o.value) return o.value;
  return { string: 'VALUE', boolean: '', number: 'N', integer: 'N', list: 'A,B' }[o.kind];
}

function positionalUsage(p: PositionalSpec): string {
  return p.required ? p.name : `[${p.name}]`;
}

export function helpText(spec: CommandSpec): string {
  const opts = allOptions(spec);
  const required = spec.options.filter((o) => o.required).map((o) => `--${o.name} ${placeholder(o)}`);
  const usage = ['mlops', spec.name, ...(spec.positionals ?? []).map(positionalUsage), ...required, '[options]'].join(' ');
  const lines = [`usage: ${usage}`, '', spec.summary, ''];
  if (spec.positionals?.length) {
    lines.push('arguments:');
    const w = Math.max(...spec.positionals.map((p) => p.name.length)) + 2;
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(w)}${p.help}${p.required ? '' : ' (optional)'}`);
    lines.push('');
  }
  lines.push('options:');
  const flag = (o: OptionSpec) => `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.kind === 'boolean' ? '' : ` ${placeholder(o)}`}`;
  const w = Math.max(...opts.map((o) => flag(o).length)) + 2;
  for (const o of opts) {
    const extra: string[] = [];
    if (o.choices) extra.push(`one of: ${o.choices.join(', ')}`);
    if (o.min !== undefined || o.max !== undefined) extra.push(o.max === undefined ? `>= ${o.min}` : o.min === undefined ? `<= ${o.max}` : `${o.min}-${o.max}`);
    if (o.required) extra.push('required');
    lines.push(`  ${flag(o).padEnd(w)}${o.help}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
  if (spec.details) lines.push('', spec.details.trim());
  lines.push('', 'exit codes: 0 ok, 1 the request or run failed, 2 usage or input error');
  return lines.join('\n') + '\n';
}

/** `--help`/`-h` before a `--` separator: help wins over everything else. */
export function wantsHelp(argv: string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** Parses argv into typed option values and named positionals; UsageError on anything wrong. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const opts = allOptions(spec);
  const aliases = new Map<string, string>();
  for (const o of opts) for (const a of o.aliases ?? []) aliases.set(a, o.name);
  const rewritten = argv.map((a) => {
    const m = /^--([^=]+)(=.*)?$/.exec(a);
    const to = m && aliases.get(m[1]);
    return to ? `--${to}${m![2] ?? ''}` : a;
  });
  // A value that starts with a dash (a base64url key such as "-Xy...", a negative number) is still the
  // value of the option before it: util.parseArgs calls `--key -Xy` ambiguous, so it is joined into
  // `--key=-Xy` unless it is itself one of the command's options.
  const isOption = (t: string) =>
    opts.some((o) => t === `--${o.name}` || t.startsWith(`--${o.name}=`) || t === `--no-${o.name}` || (o.short !== undefined && t === `-${o.short}`));
  const valueOf = (t: string): string | undefined => {
    const long = /^--([^=]+)$/.exec(t)?.[1];
    const short = /^-([A-Za-z])$/.exec(t)?.[1];
    const o = opts.find((x) => (long !== undefined && x.name === long) || (short !== undefined && x.short === short));
    return o && o.kind !== 'boolean' ? o.name : undefined;
  };
  const tokens: string[] = [];
  for (let i = 0; i < rewritten.length; i++) {
    const a = rewritten[i];
    if (a === '--') {
      tokens.push(...rewritten.slice(i));
      break;
    }
    const name = valueOf(a);
    const next = rewritten[i + 1];
    if (name && next !== undefined && next.startsWith('-') && next !== '--' && !isOption(next)) {
      tokens.push(`--${name}=${next}`);
      i++;
    } else tokens.push(a);
  }
  const config: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const o of opts) config[o.name] = { type: o.kind === 'boolean' ? 'boolean' : 'string', ...(o.short ? { short: o.short } : {}) };
  let raw: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    raw = nodeParseArgs({ args: tokens, options: config, strict: true, allowPositionals: true, allowNegative: true } as Parameters<
      typeof nodeParseArgs
    >[0]) as typeof raw;
  } catch (err) {
    throw new UsageError(cleanParseError((err as Error).message));
  }
  const values: OptionValues = {};
  for (const o of opts) {
    const v = raw.values[o.name];
    if (v === undefined) continue;
    values[o.name] = convert(o, v);
  }
  for (const o of spec.options) if (o.required && values[o.name] === undefined) throw new UsageError(`--${o.name} is required`);
  const pos = spec.positionals ?? [];
  if (raw.positionals.length > pos.length) {
    throw new UsageError(
      `unexpected argument "${raw.positionals[pos.length]}"${pos.length ? ` (arguments: ${pos.map((p) => p.name).join(' ')})` : ' (this command takes no arguments)'}`,
    );
  }
  const args: Record<string, string | undefined> = {};
  pos.forEach((p, i) => {
    args[p.name] = raw.positionals[i];
    if (p.required && args[p.name] === undefined) throw new UsageError(`${p.name} is required`);
  });
  return { opts: values, args };
}

function cleanParseError(message: string): string {
  // util.parseArgs explains with "To specify a positional argument..." hints: keep the first sentence.
  const first = message.split(/\. (?=To |Did )/)[0].replace(/^Unknown option '(.*)'$/, 'unknown option $1');
  return first.replace(/^Option '(-\w, )?(--[\w-]+) <value>' argument missing$/, '$2 needs a value');
}

function convert(o: OptionSpec, v: string | boolean): string | number | boolean | string[] {
  if (o.kind === 'boolean') return v as boolean;
  const s = String(v);
  if (o.kind === 'number' || o.kind === 'integer') {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${o.name} must be a number, got "${s}"`);
    if (o.kind === 'integer' && !Number.isInteger(n)) throw new UsageError(`--${o.name} must be an integer, got "${s}"`);
    if (o.min !== undefined && n < o.min) throw new UsageError(`--${o.name} must be >= ${o.min}, got ${s}`);
    if (o.max !== undefined && n > o.max) throw new UsageError(`--${o.name} must be <= ${o.max}, got ${s}`);
    return n;
  }
  if (o.kind === 'list') {
    const items = s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (!items.length) throw new UsageError(`--${o.name} needs at least one value`);
    if (o.choices)
      for (const i of items) if (!o.choices.includes(i)) throw new UsageError(`--${o.name}: unknown value "${i}" (one of: ${o.choices.join(', ')})`);
    return items;
  }
  if (o.choices && !o.choices.includes(s)) throw new UsageError(`--${o.name} must be one of: ${o.choices.join(', ')} (got "${s}")`);
  return s;
}

export interface CommandContext extends Parsed {
  json: boolean;
  /** Prints a value: JSON with --json, else the text rendering. */
  print(value: unknown, text: () => string): void;
}

/**
 * Builds a command's `main(argv)`: help first, parse, run, map errors to exit codes. With --json an
 * error is also printed as {"error": {code, message}} on stdout, so scripts always get JSON.
 */
export function defineCommand(spec: CommandSpec, body: (ctx: CommandContext) => Promise<number>): (argv: string[]) => Promise<number> {
  return async (argv) => {
    if (wantsHelp(argv)) {
      process.stdout.write(helpText(spec));
      return EXIT.OK;
    }
    const json = argv.includes('--json');
    const fail = (code: string, message: string, exit: number) => {
      process.stderr.write(`mlops ${spec.name}: ${code === 'USAGE' ? '' : `${code}: `}${message}\n`);
      if (exit === EXIT.USAGE) process.stderr.write(`run \`mlops ${spec.name} --help\` for its usage\n`);
      if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + '\n');
      return exit;
    };
    let parsed: Parsed;
    try {
      parsed = parseCommand(spec, argv);
    } catch (err) {
      if (err instanceof UsageError) return fail('USAGE', err.message, EXIT.USAGE);
      throw err;
    }
    const ctx: CommandContext = {
      ...parsed,
      json,
      print: (value, text) => process.stdout.write((json ? JSON.stringify(value, null, 2) : text().replace(/\n*$/, '')) + '\n'),
    };
    try {
      return await body(ctx);
    } catch (err) {
      if (err instanceof UsageError) return fail('USAGE', err.message, EXIT.USAGE);
      if (err instanceof ApiError) return fail(err.code, err.message, EXIT.FAILED);
      if (err instanceof CommandFailed) return fail(err.code, err.message, EXIT.FAILED);
      throw err;
    }
  };
}
