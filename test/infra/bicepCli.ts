/**
 * The real Bicep CLI, as tools/bicep/check.sh restores it from NuGet (.local/nuget), or BICEP_CLI.
 * Tests that can read the compiled ARM template use it; without it (no dotnet on the machine) they
 * fall back to reading the Bicep text, and say so.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export function bicepVersion(): string {
  const csproj = fs.readFileSync(path.join(REPO_ROOT, 'tools', 'bicep', 'bicep.csproj'), 'utf8');
  return /<BicepVersion>([^<]+)<\/BicepVersion>/.exec(csproj)![1];
}

/** Path of the bicep binary, or undefined when it has not been restored. */
export function bicepBin(): string | undefined {
  const pkg = path.join('azure.bicep.commandline.linux-x64', bicepVersion(), 'tools', 'bicep');
  const candidates = [process.env.BICEP_CLI, path.join(REPO_ROOT, '.local', 'nuget', pkg), path.join(os.homedir(), '.nuget', 'packages', pkg)];
  return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

export type ArmTemplate = Record<string, any>;

const cache = new Map<string, ArmTemplate>();

/** Compiles a .bicep file to its ARM template (JSON) with the real compiler; throws its diagnostics on error. */
export function compile(file: string): ArmTemplate {
  const bin = bicepBin();
  if (!bin) throw new Error('the Bicep CLI is not restored (bash tools/bicep/check.sh)');
  const key = `${file}:${fs.statSync(file).mtimeMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let out: string;
  try {
    out = execFileSync(bin, ['build', file, '--stdout'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`bicep build ${file} failed: ${e.stderr || e.message}`, { cause: err });
  }
  const tpl = JSON.parse(out) as ArmTemplate;
  cache.set(key, tpl);
  return tpl;
}
