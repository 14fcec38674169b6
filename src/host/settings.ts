/**
 * App settings as Core Tools applies them locally: local.settings.json `Values` go into process.env,
 * but a variable already set in the environment wins.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostError } from './coreApi';

export interface LocalSettings {
  IsEncrypted?: boolean;
  Values?: Record<string, string>;
  Host?: { LocalHttpPort?: number; CORS?: string; CORSCredentials?: boolean };
  ConnectionStrings?: Record<string, string>;
}

export function readLocalSettings(appDir: string): LocalSettings | undefined {
  const file = path.join(appDir, 'local.settings.json');
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    // Core Tools tolerates comments in local.settings.json; strip whole-line // comments too.
    parsed = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  } catch (err) {
    throw new HostError('HOST_BAD_LOCAL_SETTINGS', `local.settings.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object') {
    throw new HostError('HOST_BAD_LOCAL_SETTINGS', 'local.settings.json must hold a JSON object.');
  }
  const s = parsed as LocalSettings;
  if (s.IsEncrypted) {
    throw new HostError('HOST_BAD_LOCAL_SETTINGS', 'Encrypted local.settings.json is not supported (IsEncrypted: true).');
  }
  return s;
}

/** Applies `Values` to env (existing variables win). Returns the names that were applied. */
export function applyLocalSettings(settings: LocalSettings | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const applied: string[] = [];
  for (const [k, v] of Object.entries(settings?.Values ?? {})) {
    if (env[k] === undefined && v !== undefined && v !== null) {
      env[k] = String(v);
      applied.push(k);
    }
  }
  return applied;
}

/** Creates local.settings.json from local.settings.sample.json when missing; returns true if it did. */
export function ensureLocalSettings(appDir: string): boolean {
  const file = path.join(appDir, 'local.settings.json');
  const sample = path.join(appDir, 'local.settings.sample.json');
  if (fs.existsSync(file) || !fs.existsSync(sample)) return false;
  fs.copyFileSync(sample, file);
  return true;
}

/** Reads a boolean-ish setting ("1", "true", "on", "yes" / "0", "false", "off", "no"). */
export function boolSetting(value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(v)) return true;
  if (['0', 'false', 'off', 'no'].includes(v)) return false;
  return fallback;
}

export function numberSetting(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new HostError('HOST_BAD_SETTING', `Setting ${name} must be a non-negative number, got "${value}".`);
  return n;
}
