/** The small subset of glob the worker's package.json `main` needs: `*`, `?`, `**` and `{a,b}`. */
import * as fs from 'node:fs';
import * as path from 'node:path';

function expandBraces(pattern: string): string[] {
  const m = /\{([^{}]*)\}/.exec(pattern);
  if (!m) return [pattern];
  return m[1].split(',').flatMap((alt) => expandBraces(pattern.slice(0, m.index) + alt + pattern.slice(m.index + m[0].length)));
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (const ch of seg) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, segs: string[], rel: string, out: Set<string>): void {
  if (segs.length === 0) {
    out.add(rel);
    return;
  }
  const [seg, ...rest] = segs;
  if (seg === '**') {
    walk(dir, rest, rel, out);
    for (const e of safeReaddir(dir)) {
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) {
        walk(path.join(dir, e.name), segs, rel ? `${rel}/${e.name}` : e.name, out);
      }
    }
    return;
  }
  if (!/[*?]/.test(seg)) {
    const p = path.join(dir, seg);
    if (rest.length === 0 ? fs.existsSync(p) && fs.statSync(p).isFile() : fs.existsSync(p)) {
      walk(p, rest, rel ? `${rel}/${seg}` : seg, out);
    }
    return;
  }
  const re = segmentRegex(seg);
  for (const e of safeReaddir(dir)) {
    if (!re.test(e.name) || e.name.startsWith('.')) continue;
    if (rest.length === 0 ? e.isFile() : e.isDirectory()) {
      walk(path.join(dir, e.name), rest, rel ? `${rel}/${e.name}` : e.name, out);
    }
  }
}

function safeReaddir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** Files (relative to cwd, '/'-separated, sorted) matching `pattern`. */
export function globFiles(pattern: string, cwd: string): string[] {
  const out = new Set<string>();
  for (const p of expandBraces(pattern.replace(/^\.\//, ''))) {
    walk(
      cwd,
      p.split('/').filter((s) => s !== '' && s !== '.'),
      '',
      out,
    );
  }
  return [...out].sort();
}
