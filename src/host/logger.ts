/** Console logging in Core Tools' spirit: timestamp, level, category, invocation id. */
import type { HostLogger, LogLevel } from './provider';

const ORDER = ['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none'];
const LABEL: Record<string, string> = {
  trace: 'Trace',
  debug: 'Debug',
  information: 'Information',
  warning: 'Warning',
  error: 'Error',
  critical: 'Critical',
};

export function levelRank(level: string): number {
  const i = ORDER.indexOf(level.toLowerCase());
  return i < 0 ? 2 : i;
}

/** Maps host.json/ILogger level names ("Information", "Warning", ...) to ranks. */
function configRank(v: string | undefined): number | undefined {
  if (!v) return undefined;
  return levelRank(v.toLowerCase() === 'info' ? 'information' : v);
}

export class ConsoleLog implements HostLogger {
  constructor(
    private levels: Record<string, string> = {},
    private readonly write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
  ) {}

  private readonly ranks = new Map<string, number>();

  /** Applies host.json logging.logLevel (explicit constructor levels win). */
  configure(levels: Record<string, string>): void {
    this.levels = { ...levels, ...this.levels };
    this.ranks.clear();
  }

  /** Minimum level for a category, looked up from the most specific host.json entry (dotted prefix). */
  minRank(category: string): number {
    let r = this.ranks.get(category);
    if (r === undefined) {
      r = this.lookupRank(category);
      this.ranks.set(category, r);
    }
    return r;
  }

  private lookupRank(category: string): number {
    const parts = category.split('.');
    for (let n = parts.length; n > 0; n--) {
      const r = configRank(this.levels[parts.slice(0, n).join('.')]);
      if (r !== undefined) return r;
    }
    return configRank(this.levels.default) ?? levelRank('information');
  }

  enabled(level: string, category: string): boolean {
    const rank = levelRank(level);
    return rank < levelRank('none') && rank >= this.minRank(category);
  }

  line(level: string, category: string, message: string, invocationId?: string): void {
    if (!this.enabled(level, category)) return;
    const id = invocationId ? ` (Id=${invocationId})` : '';
    this.write(`[${new Date().toISOString()}] ${LABEL[level.toLowerCase()] ?? level} ${category}${id}: ${message}`);
  }

  /** HostLogger for host and providers: category "Host" unless fields.category says otherwise. */
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    const category = typeof fields?.category === 'string' ? fields.category : 'Host';
    const invocationId = typeof fields?.invocationId === 'string' ? fields.invocationId : undefined;
    this.line(level, category, message, invocationId);
  }

  child(category: string): HostLogger {
    return { log: (level, message, fields) => this.log(level, message, { category, ...fields }) };
  }
}
