/**
 * What reaches the function app: the tracked files less .funcignore (infra/package-report.js
 * computes the list the same way azd and Core Tools read the file), and production dependencies
 * without the local-only packages. Prints the package size.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './bicepCli';

const report = require(path.join(REPO_ROOT, 'infra', 'package-report.js')) as {
  packageFiles(root?: string): { rel: string; bytes: number }[];
  rules(root?: string): { negate: boolean; test(rel: string): boolean }[];
  ignored(rel: string, rules: { negate: boolean; test(rel: string): boolean }[]): boolean;
};

const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const LOCAL_ONLY = ['azurite', 'playwright-core', 'jest', 'ts-jest', 'typescript', '@types/jest', '@types/node'];

describe('the deployed package', () => {
  const files = report.packageFiles().map((f) => f.rel);

  test('holds the app (sources the remote build compiles, host.json, package files, .npmrc) and nothing local', () => {
    for (const f of ['host.json', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'functions/score.ts', 'src/telemetry/index.ts'])
      expect(files).toContain(f);
    const leaked = files.filter(
      (f) =>
        /^(\.local|test|bench|samples|docs|tools|infra|scripts|node_modules|dist|coverage|\.ci|\.git)\//.test(f) ||
        /^local\.settings|\.md$|^azure\.yaml$/.test(f),
    );
    expect(leaked).toEqual([]);
    const bytes = report.packageFiles().reduce((s, f) => s + f.bytes, 0);
    console.log(`deployed package (sources before the remote build): ${files.length} files, ${(bytes / 1048576).toFixed(2)} MB`);
    expect(bytes).toBeLessThan(10 * 1048576);
  });

  test('the .funcignore reader follows gitignore rules (folders, anchors, globs, negation)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'funcignore-'));
    try {
      fs.writeFileSync(path.join(dir, '.funcignore'), '# c\n.local/\n/bench\n*.md\n!KEEP.md\nsrc/**/*.test.ts\n');
      const r = report.rules(dir);
      const ig = (p: string) => report.ignored(p, r);
      expect([
        ig('.local/azurite/__blobstorage__/x'),
        ig('a/.local/y'),
        ig('bench/run.ts'),
        ig('src/bench/x.ts'),
        ig('README.md'),
        ig('docs/a.md'),
        ig('KEEP.md'),
        ig('src/a/b.test.ts'),
        ig('src/a.ts'),
      ]).toEqual([true, true, true, false, true, true, false, true, false]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a .funcignore without the tests rule would ship them (the check can fail)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'funcignore-'));
    try {
      fs.writeFileSync(path.join(dir, '.funcignore'), fs.readFileSync(path.join(REPO_ROOT, '.funcignore'), 'utf8').replace(/^\/test\/$/m, ''));
      const r = report.rules(dir);
      expect(report.ignored('test/infra/package.test.ts', r)).toBe(false);
      expect(report.ignored('test/infra/package.test.ts', report.rules())).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('local-only packages are devDependencies, and no app source imports one', () => {
    for (const name of LOCAL_ONLY) {
      expect([name, pkg.dependencies[name]]).toEqual([name, undefined]);
      expect(pkg.devDependencies[name]).toBeDefined();
    }
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          const src = fs.readFileSync(p, 'utf8');
          for (const dev of Object.keys(pkg.devDependencies)) {
            const q = dev.replace(/[/.]/g, '\\$&');
            // A static import or a require() loads the package; require.resolve (start.ts finding Azurite locally) does not.
            if (new RegExp(`from ['"]${q}(/[^'"]*)?['"]|(?<!\\.)require\\(['"]${q}(/[^'"]*)?['"]\\)`).test(src.replace(/import type [^;]+;/g, '')))
              offenders.push(`${path.relative(REPO_ROOT, p)} imports ${dev}`);
          }
        }
      }
    };
    walk(path.join(REPO_ROOT, 'functions'));
    walk(path.join(REPO_ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});
