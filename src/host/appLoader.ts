/** Loads the app's entry points as the worker does (package.json `main`, a glob, each file required). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostError } from './coreApi';
import { globFiles } from './glob';

export interface AppPackage {
  name?: string;
  version?: string;
  main?: string;
}

export function readAppPackage(appDir: string): AppPackage {
  const file = path.join(appDir, 'package.json');
  if (!fs.existsSync(file)) return {};
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as AppPackage;
  } catch (err) {
    throw new HostError('HOST_BAD_PACKAGE_JSON', `package.json is not valid JSON: ${(err as Error).message}`);
  }
}

export function entryPointFiles(appDir: string, pkg: AppPackage): string[] {
  const main = pkg.main ?? 'index.js';
  const files = globFiles(main, appDir);
  if (files.length === 0) {
    throw new HostError('HOST_NO_ENTRY_POINT', `Found zero files matching package.json "main" (${main}) in the app folder. Did you build (npm run build)?`);
  }
  return files.map((f) => path.join(appDir, f));
}
