/** A tiny option parser shared by the CLI commands: --name value, --name=value, --flag, --no-flag. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  name: string;
  kind: 'string' | 'number' | 'boolean' | 'list';
  help: string;
  required?: boolean;
}

export function parseArgs(argv: string[], specs: OptionSpec[]): Record<string, string | number | boolean | string[] | undefined> {
  const out: Record<string, string | number | boolean | string[] | undefined> = {};
  const byName = new Map(specs.map((s) => [s.name, s]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument "${a}"`);
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) (value = name.slice(eq + 1)), (name = name.slice(0, eq));
    let spec = byName.get(name);
    if (!spec && name.startsWith('no-') && byName.get(name.slice(3))?.kind === 'boolean') {
      out[name.slice(3)] = false;
      continue;
    }
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.kind === 'boolean') {
      out[name] = value === undefined ? true : !/^(false|0|no)$/i.test(value);
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
    }
    if (spec.kind === 'number') {
      const v = Number(value);
      if (value.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${value}"`);
      out[name] = v;
    } else if (spec.kind === 'list') out[name] = value.split(',').map((s) => s.trim()).filter(Boolean);
    else out[name] = value;
    spec = undefined;
  }
  for (const s of specs) if (s.required && out[s.name] === undefined) throw new UsageError(`--${s.name} is required`);
  return out;
}

export function usage(command: string, summary: string, specs: OptionSpec[]): string {
  const w = Math.max(...specs.map((s) => s.name.length)) + 2;
  return `usage: mlops ${command} ${specs.filter((s) => s.required).map((s) => `--${s.name} ${s.kind === 'number' ? 'N' : 'VALUE'}`).join(' ')} [options]\n${summary}\n\n` +
    specs.map((s) => `  --${s.name.padEnd(w)}${s.help}${s.required ? ' (required)' : ''}`).join('\n') + '\n';
}
