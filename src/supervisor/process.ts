/**
 * The one supervisor of the app's child processes (AutoML workers, local endpoint processes): how a
 * child is started (its environment without the parent's secrets, its log file), how a process found
 * by pid is recognised as ours (pids are reused), how it is stopped (SIGTERM, then SIGKILL after a
 * grace), and the orphan sweep after a host crash (children whose parent died are re-parented to pid 1).
 */
import { ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** Names that may hold a secret: never passed to a child unless the caller adds them on purpose. */
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSWORD|CONNECTION|AzureWebJobs/i;

/** A child's environment: `base` minus secret-looking names and names matching `drop`, plus `extra`. */
export function childEnv(base: Env, extra: Record<string, string> = {}, drop?: RegExp): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || SECRET_NAME.test(k) || drop?.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function pidAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function procFile(pid: number, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // gone, or no /proc on this system
  }
}

/** True when `pid` runs this Node binary on `script` (e.g. `training/worker.js`), so it is safe to signal. */
export function runsScript(pid: number, script: string): boolean {
  const cmdline = procFile(pid, 'cmdline');
  if (!cmdline) return false;
  const args = cmdline.split('\0');
  return path.basename(args[0] ?? '') === path.basename(process.execPath) && args.some((a) => a.endsWith(script));
}

/** The value of one environment variable of a running process (Linux /proc), if readable. */
export function environOf(pid: number, name: string): string | undefined {
  const text = procFile(pid, 'environ');
  const entry = text?.split('\0').find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

function parentOf(pid: number): number | undefined {
  const stat = procFile(pid, 'stat');
  if (!stat) return undefined;
  // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isFinite(ppid) ? ppid : undefined;
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      /* exited meanwhile */
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (pidAlive(pid)) signal('SIGKILL');
  while (pidAlive(pid)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Processes running `script` whose parent died (re-parented to pid 1 or a subreaper) and whose
 * environment variable `owner.name` equals `owner.value`: children another incarnation of this host
 * left behind. Linux only (empty elsewhere).
 */
export function findOrphans(script: string, owner: { name: string; value: string }): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    const pid = Number(e);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!runsScript(pid, script)) continue;
    const ppid = parentOf(pid);
    if (ppid === undefined || (ppid !== 1 && pidAlive(ppid) && runsNode(ppid))) continue;
    if (environOf(pid, owner.name) === owner.value) out.push(pid);
  }
  return out;
}

/** True when `pid` is a Node process (a live host would be; a subreaper such as an init is not). */
function runsNode(pid: number): boolean {
  const cmdline = procFile(pid, 'cmdline');
  return Boolean(cmdline && path.basename(cmdline.split('\0')[0]) === path.basename(process.execPath));
}

export interface SpawnOptions {
  script: string;
  env: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file (one descriptor, opened and closed here). */
  logFile?: string;
  /** 'pipe' keeps stdin/stdout/stderr as pipes (an endpoint reads its config from stdin). */
  stdio?: 'pipe' | 'ignore';
}

/** Starts `node script` as a child. The log file's descriptor is closed once, after the child has its copy. */
export function spawnNode(opts: SpawnOptions): ChildProcess {
  let fd: number | undefined;
  let stdio: StdioOptions = opts.stdio === 'pipe' ? ['pipe', 'pipe', 'pipe'] : ['ignore', 'ignore', 'ignore'];
  if (opts.logFile && opts.stdio !== 'pipe') {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    fd = fs.openSync(opts.logFile, 'a');
    stdio = ['ignore', fd, fd];
  }
  try {
    return spawn(process.execPath, [opts.script], { stdio, env: opts.env });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
