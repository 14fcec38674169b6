/**
 * Embedded Durable engine benchmark, through the real host (child process) on a private Azurite:
 *   - an orchestration fanning out N no-op activities (default 1,000) and joining them;
 *   - an orchestration calling M no-op activities one after the other (default 100);
 *   - episodes per second (committed orchestration episodes / wall time) for both.
 * Beside them, references measured in the same run: the HTTP round trip of a no-op function through
 * the host, and the storage floor of one episode (the queue and table calls an episode needs, made
 * directly against the same Azurite). Wall times swing with the machine's load; the host's CPU time
 * (Linux /proc) per activity, beside its CPU time per no-op HTTP call, much less so.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/durable/run.js [fanOut=1000] [sequence=100]
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startAzurite } from '../../src/host/azurite';
import { DurableStore } from '../../src/host/durable/store';

const REPO = path.resolve(__dirname, '..', '..', '..');
const APP = path.join(REPO, 'bench', 'durable', 'app');
const CLI = path.join(REPO, 'dist', 'src', 'host', 'cli.js');
const FAN_OUT = Number(process.argv[2] ?? 1000);
const SEQUENCE = Number(process.argv[3] ?? 100);

/** CPU time (user + system) the process used so far, in ms; undefined where /proc is not available. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const perSec = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    return (ticks * 1000) / perSec;
  } catch {
    return undefined;
  }
}

/** CPU ms the host used during `run`, or undefined. */
async function hostCpu<T>(pid: number | undefined, run: () => Promise<T>): Promise<{ value: T; cpu?: number }> {
  const before = cpuMs(pid);
  const value = await run();
  const after = cpuMs(pid);
  return { value, cpu: before === undefined || after === undefined ? undefined : after - before };
}

const fmtCpu = (ms: number | undefined, n: number) => (ms === undefined ? 'n/a' : (ms / n).toFixed(2));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function startHost(connectionString: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, DURABLE_RPC_PORT: '0' };
  delete env.WEBSITE_HOSTNAME;
  delete env.DURABLE_TEST_CRASH_AT;
  // BENCH_HOST_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the host.
  const nodeArgs = (process.env.BENCH_HOST_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--app', APP, '--port', String(port), '--storage', connectionString], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /MLOPS_HOST_READY (\{.*\})/.exec(out);
      if (m) resolve(JSON.parse(m[1]).baseUrl);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`host exited (${code}):\n${out.slice(-3000)}`)));
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`host not ready:\n${out.slice(-3000)}`)), 60000));
  const baseUrl = await Promise.race([ready, timeout]);
  // Keep draining the pipes (the host logs every invocation).
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, baseUrl };
}

async function runOrchestration(baseUrl: string, name: string, input: number): Promise<{ id: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${baseUrl}/api/orchestrators/${name}`, { method: 'POST', body: JSON.stringify(input) });
  if (res.status !== 202) throw new Error(`start ${name}: HTTP ${res.status}`);
  const links = (await res.json()) as { id: string; statusQueryGetUri: string };
  for (;;) {
    const s = await fetch(links.statusQueryGetUri);
    if (s.status === 200) {
      const body = (await s.json()) as { runtimeStatus: string; output: unknown };
      if (body.runtimeStatus !== 'Completed') throw new Error(`${name} ended ${body.runtimeStatus}: ${JSON.stringify(body.output)}`);
      return { id: links.id, ms: performance.now() - t0 };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One episode's storage calls, made directly: receive + delete a message, a 2-entity batch, an upsert, an update, a send. */
async function storageFloor(store: DurableStore, n: number): Promise<number> {
  const times: number[] = [];
  let etag: string | undefined;
  const sentinel = { executionId: 'x', historyKey: 'bench', episodes: 0, name: 'floor', runtimeStatus: 'Running' as const, pendingEpisode: -1, buffered: [] };
  const instance = {
    instanceId: 'floor',
    name: 'floor',
    executionId: 'x',
    runtimeStatus: 'Running' as const,
    input: null,
    output: null,
    customStatus: null,
    createdTime: new Date().toISOString(),
    lastUpdatedTime: new Date().toISOString(),
  };
  for (let i = 0; i < n; i++) {
    const msg = { id: `floor-${i}`, instanceId: 'floor', event: { EventType: 5, EventId: -1, Timestamp: '', IsPlayed: false } };
    await store.sendControl(msg);
    const t0 = performance.now();
    const [m] = await store.receive(store.control, 32, 30);
    const s = await store.readSentinel('floor');
    etag = await store.commitEpisode('floor', { ...sentinel, episodes: i + 1, etag: s?.etag ?? etag }, { events: [], outbound: [], instance });
    await store.sendWorkItem({ id: `w${i}`, instanceId: 'floor', executionId: 'x', taskScheduledId: i, name: 'noop', input: null });
    await store.upsertInstance(instance);
    etag = await store.updateSentinel('floor', { ...sentinel, episodes: i + 1, etag });
    await store.deleteMessage(store.control, m);
    times.push(performance.now() - t0);
    const [w] = await store.receive(store.workItems, 1, 30);
    if (w) await store.deleteMessage(store.workItems, w);
  }
  return median(times);
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) throw new Error('Build first: npx tsc -p tsconfig.json');
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-bench-'));
  const az = await startAzurite({ location });
  let host: ChildProcess | undefined;
  try {
    const store = new DurableStore(az.connectionString, 'FloorHub');
    await store.init();
    const floorMs = await storageFloor(store, 50);

    const started = await startHost(az.connectionString);
    host = started.child;
    const { baseUrl } = started;
    const pings: number[] = [];
    for (let i = 0; i < 10; i++) await (await fetch(`${baseUrl}/api/ping`)).text();
    const pingCpu = await hostCpu(host.pid, async () => {
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await (await fetch(`${baseUrl}/api/ping`)).text();
        pings.push(performance.now() - t0);
      }
    });
    const pingMs = median(pings);

    // Warm-up (module caches, tables, queues).
    await runOrchestration(baseUrl, 'sequence', 3);
    await runOrchestration(baseUrl, 'fanOut', 10);

    const benchStore = new DurableStore(az.connectionString, 'BenchHub');
    const { value: seq, cpu: seqCpu } = await hostCpu(host.pid, () => runOrchestration(baseUrl, 'sequence', SEQUENCE));
    const seqEpisodes = (await benchStore.readSentinel(seq.id))!.episodes;
    const { value: fan, cpu: fanCpu } = await hostCpu(host.pid, () => runOrchestration(baseUrl, 'fanOut', FAN_OUT));
    const fanEpisodes = (await benchStore.readSentinel(fan.id))!.episodes;

    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(`Embedded Durable engine benchmark — ${cpu}, ${os.cpus().length} cores, Node ${process.version}, Azurite (local)`);
    console.log('');
    console.log('reference (same run)                                      ');
    console.log(`  no-op HTTP function through the host (median)         ${pingMs.toFixed(2).padStart(9)} ms`);
    console.log(`  storage floor of one episode (direct Azurite calls)   ${floorMs.toFixed(2).padStart(9)} ms`);
    console.log(`  host CPU per no-op HTTP function call                 ${fmtCpu(pingCpu.cpu, 200).padStart(9)} ms`);
    console.log('');
    console.log('orchestration                     total      per activity   episodes   episodes/s   activities/s   host CPU/activity');
    const row = (label: string, r: { ms: number }, n: number, episodes: number, cpu: number | undefined) =>
      console.log(
        `  ${label.padEnd(28)} ${(r.ms / 1000).toFixed(2).padStart(7)} s ${(r.ms / n).toFixed(2).padStart(10)} ms ${String(episodes).padStart(10)} ${(episodes / (r.ms / 1000)).toFixed(1).padStart(12)} ${(n / (r.ms / 1000)).toFixed(1).padStart(14)} ${fmtCpu(cpu, n).padStart(16)} ms`,
      );
    row(`${SEQUENCE} sequential no-op`, seq, SEQUENCE, seqEpisodes, seqCpu);
    row(`fan-out/fan-in ${FAN_OUT} no-op`, fan, FAN_OUT, fanEpisodes, fanCpu);
    console.log('');
    console.log(
      `  sequential: ${(seq.ms / SEQUENCE / floorMs).toFixed(1)}x the storage floor per activity round trip ` +
        `(an activity round trip = 1 episode + 1 activity: ~2 queue hops, 2 table commits).`,
    );
    if (pingCpu.cpu !== undefined && seqCpu !== undefined && fanCpu !== undefined) {
      const perPing = pingCpu.cpu / 200;
      console.log(
        `  host CPU per activity: sequential ${(seqCpu / SEQUENCE / perPing).toFixed(1)}x, fan-out ${(fanCpu / FAN_OUT / perPing).toFixed(1)}x ` +
          `a no-op HTTP function call.`,
      );
    }
  } finally {
    if (host && host.exitCode === null) {
      host.kill('SIGTERM');
      await new Promise((r) => host!.once('exit', r));
    }
    await az.stop();
    fs.rmSync(location, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
