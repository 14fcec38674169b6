#!/usr/bin/env node
// Lists the files `azd deploy` uploads to the function app (the repo's tracked files less the
// .funcignore rules, in the gitignore syntax Core Tools and azd apply) and prints the package size,
// with the production dependencies Azure's remote build installs (`npm ls --omit=dev`) beside the
// whole local node_modules for reference. Usage: node infra/package-report.js [--list]
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');

/** One .funcignore line as a test on a slash-separated relative path. */
function compile(line) {
  let p = line.trim();
  if (!p || p.startsWith('#')) return undefined;
  const negate = p.startsWith('!');
  if (negate) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.includes('/');
  p = p.replace(/^\//, '');
  const body = p
    .split('**')
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]'),
    )
    .join('.*');
  // A pattern matches the path itself or any of its parent folders (everything under an ignored folder is ignored).
  const re = new RegExp(`${anchored ? '^' : '(^|/)'}${body}${dirOnly ? '/' : '(/|$)'}`);
  return { negate, test: (rel) => re.test(rel) };
}

function rules(root = ROOT) {
  const file = path.join(root, '.funcignore');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').map(compile).filter(Boolean);
}

function ignored(rel, compiled) {
  let out = false;
  for (const r of compiled) if (r.test(rel)) out = !r.negate;
  return out;
}

/** The tracked files (git ls-files) that the package would contain, with their sizes. */
function packageFiles(root = ROOT) {
  const compiled = rules(root);
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  return tracked
    .filter((rel) => !ignored(rel, compiled))
    .map((rel) => ({ rel, bytes: fs.existsSync(path.join(root, rel)) ? fs.statSync(path.join(root, rel)).size : 0 }));
}

function duBytes(dir) {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += fs.statSync(p).size;
    }
  }
  return total;
}

/** Sizes of the production dependencies (what a remote build with --omit=dev installs) and of all of node_modules. */
function dependencySizes(root = ROOT) {
  const nm = path.join(root, 'node_modules');
  if (!fs.existsSync(nm)) return undefined;
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 << 20,
  });
  const dirs = [
    ...new Set(
      out
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && l !== root && l.startsWith(nm)),
    ),
  ];
  // Nested packages sit inside their parents' folders: count top-most folders only.
  dirs.sort();
  const top = dirs.filter((d, i) => !dirs.slice(0, i).some((p) => d.startsWith(p + path.sep)));
  return { production: top.reduce((s, d) => s + duBytes(d), 0), productionPackages: dirs.length, all: duBytes(nm) };
}

const mb = (b) => `${(b / 1048576).toFixed(1)} MB`;

if (require.main === module) {
  const files = packageFiles();
  const bytes = files.reduce((s, f) => s + f.bytes, 0);
  if (process.argv.includes('--list')) for (const f of files) process.stdout.write(`${f.rel}\t${f.bytes}\n`);
  process.stdout.write(`package upload (sources, .funcignore applied): ${files.length} files, ${mb(bytes)}\n`);
  const deps = dependencySizes();
  if (deps)
    process.stdout.write(
      `production dependencies installed by the remote build: ${deps.productionPackages} packages, ${mb(deps.production)} (all of node_modules here, dev included: ${mb(deps.all)})\n`,
    );
}

module.exports = { packageFiles, ignored, rules, dependencySizes };
