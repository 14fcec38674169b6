import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobDir, readJsonFile, TrainerInput, TrainerProgress, TrainerResult, writeJsonFile } from './files';

/** The compiled trainer (tests run the TypeScript sources; child processes need dist/). */
function trainerEntry(): string {
  const direct = path.join(__dirname, 'trainer.js');
  if (fs.existsSync(direct)) return direct;
  const root = path.resolve(__dirname, '../../..');
  return path.join(root, 'dist', path.relative(root, __dirname), 'trainer.js');
}

/**
 * Starts, watches and stops trainer processes, one per running job. The job folder (job.json,
 * progress.json, result.json) is the only channel, so a restarted emulator reads what a trainer
 * left and starts a new one for a job whose trainer it no longer has.
 */
export class TrainerRunner {
  private readonly children = new Map<string, ChildProcess>();

  constructor(private readonly workDir: string) {}

  start(input: TrainerInput): void {
    const dir = jobDir(this.workDir, input.jobName);
    fs.rmSync(dir, { recursive: true, force: true });
    writeJsonFile(path.join(dir, 'job.json'), input);
    const log = fs.openSync(path.join(dir, 'trainer.log'), 'a');
    const child = spawn(process.execPath, [trainerEntry(), dir], { stdio: ['ignore', log, log], env: { ...process.env } });
    fs.closeSync(log);
    const key = input.jobName.toLowerCase();
    this.children.set(key, child);
    child.once('exit', () => this.children.delete(key));
    child.once('error', (err) => {
      this.children.delete(key);
      if (!fs.existsSync(path.join(dir, 'result.json'))) {
        writeJsonFile(path.join(dir, 'result.json'), {
          status: 'Failed',
          error: { code: 'SystemError', message: `the trainer could not start: ${err.message}` },
          endedAt: new Date().toISOString(),
        } satisfies TrainerResult);
      }
    });
  }

  /** Whether this process has a live trainer for the job. */
  running(job: string): boolean {
    const c = this.children.get(job.toLowerCase());
    return !!c && c.exitCode === null && c.signalCode === null;
  }

  progress(job: string): TrainerProgress | undefined {
    return readJsonFile<TrainerProgress>(path.join(jobDir(this.workDir, job), 'progress.json'));
  }

  result(job: string): TrainerResult | undefined {
    return readJsonFile<TrainerResult>(path.join(jobDir(this.workDir, job), 'result.json'));
  }

  stop(job: string): void {
    const c = this.children.get(job.toLowerCase());
    if (c && c.exitCode === null) c.kill('SIGTERM');
  }

  stopAll(): void {
    for (const c of this.children.values()) if (c.exitCode === null) c.kill('SIGTERM');
  }
}
