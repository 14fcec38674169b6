#!/usr/bin/env node
// The dependency rules (.dependency-cruiser.js) plus one dependency-cruiser has no rule for: no cycle
// between folders (src/<folder>, functions, emulators/<name>). Exit 1 on any violation.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const targets = ['src', 'functions', 'emulators'].filter((d) => require('node:fs').existsSync(path.join(root, d)));
let out;
try {
  out = execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), ...targets, '--config', '.dependency-cruiser.js', '--output-type', 'json'],
    {
      cwd: root,
      maxBuffer: 256 << 20,
      encoding: 'utf8',
    },
  );
} catch (err) {
  out = err.stdout; // depcruise exits non-zero on violations; its JSON says which
}
const result = JSON.parse(out);
const violations = result.summary.violations ?? [];
for (const v of violations) console.error(`${v.rule.severity} ${v.rule.name}: ${v.from} -> ${v.to}`);

const folderOf = (file) => {
  const parts = file.split('/');
  if (parts[0] === 'src' || parts[0] === 'emulators') return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
  return parts[0];
};
const edges = new Map();
for (const m of result.modules) {
  if (!/^(src|functions|emulators)\//.test(m.source)) continue;
  const from = folderOf(m.source);
  for (const d of m.dependencies) {
    if (!/^(src|functions|emulators)\//.test(d.resolved)) continue;
    const to = folderOf(d.resolved);
    if (to === from) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${m.source} -> ${d.resolved}`);
  }
}
// Tarjan's strongly connected components: a component of more than one folder is a cycle.
let index = 0;
const idx = new Map();
const low = new Map();
const stack = [];
const on = new Set();
const cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index++);
  stack.push(v);
  on.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1) cycles.push(comp);
  }
}
for (const v of edges.keys()) if (!idx.has(v)) visit(v);
for (const c of cycles) {
  console.error(`error folder-cycle: ${c.sort().join(' <-> ')}`);
  for (const a of c) for (const b of c) if (edges.get(a)?.has(b)) console.error(`  ${edges.get(a).get(b)}`);
}
// One file-naming convention for modules: camelCase stems (`blobReference.ts`, `storageStall.test.ts`),
// an optional leading `_` for a folder's private helpers (src/cli/_command.ts); command scripts in
// scripts/ and bin/ are named like the commands they are (kebab-case) and are not checked here.
const fs = require('node:fs');
const MODULE_NAME = /^_?[a-z][a-zA-Z0-9]*(\.[a-z0-9]+)*\.(ts|js)$/;
const badNames = [];
function walk(dir) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') walk(rel);
    } else if (/\.(ts|js)$/.test(e.name) && !MODULE_NAME.test(e.name)) badNames.push(rel);
  }
}
for (const d of ['src', 'functions', 'emulators', 'test', 'bench']) if (fs.existsSync(path.join(root, d))) walk(d);
for (const f of badNames) console.error(`error file-name: ${f} (modules are named in camelCase)`);
const n = violations.length + cycles.length + badNames.length;
console.log(
  n
    ? `${n} dependency or naming violation(s)`
    : `dependency rules: 0 violations (${result.summary.totalCruised} modules; no cycle between ${new Set([...edges.keys()]).size} folders); file names: one convention`,
);
process.exit(n ? 1 : 0);
