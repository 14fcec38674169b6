/**
 * ASP.NET Core route templates as the Functions host uses them for HTTP triggers: literal segments
 * (case-insensitive), `{param}`, `{param?}`, `{param=default}`, `{*rest}`, and constraints
 * `{id:int}`, `{x:alpha:minlength(2)}`, `{v:regex(^a.+$)}`, ...
 */
import { HostError } from './coreApi';

type Constraint = (value: string) => boolean;

interface ParamPart {
  kind: 'param';
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Constraint[];
}
type Part = { kind: 'literal'; text: string } | ParamPart;

interface Segment {
  parts: Part[];
  regex: RegExp;
  params: ParamPart[];
}

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** Sort key: lower sorts first (more specific). */
  precedence: number[];
}

function splitConstraints(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const isNum = (v: string) => v.trim() !== '' && Number.isFinite(Number(v));

function makeConstraint(spec: string, template: string): Constraint {
  const m = /^([A-Za-z]+)(?:\((.*)\))?$/s.exec(spec);
  if (!m) throw new HostError('HOST_BAD_ROUTE', `Route "${template}": bad constraint "${spec}".`);
  const name = m[1].toLowerCase();
  const arg = m[2];
  const nums = arg === undefined ? [] : arg.split(',').map((x) => Number(x.trim()));
  const needNums = (n: number) => {
    if (nums.length !== n || nums.some((x) => !Number.isFinite(x))) {
      throw new HostError('HOST_BAD_ROUTE', `Route "${template}": constraint "${spec}" needs ${n} number(s).`);
    }
  };
  switch (name) {
    case 'int':
      return (v) => /^-?\d+$/.test(v) && Number(v) >= -2147483648 && Number(v) <= 2147483647;
    case 'long':
      return (v) => /^-?\d+$/.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n;
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'decimal':
    case 'double':
    case 'float':
      return isNum;
    case 'required':
      return (v) => v !== '';
    case 'nonfile':
      return (v) => !/\.[^/]*$/.test(v);
    case 'file':
      return (v) => /\.[^/]*$/.test(v);
    case 'minlength':
      needNums(1);
      return (v) => v.length >= nums[0];
    case 'maxlength':
      needNums(1);
      return (v) => v.length <= nums[0];
    case 'length':
      if (nums.length === 1) {
        needNums(1);
        return (v) => v.length === nums[0];
      }
      needNums(2);
      return (v) => v.length >= nums[0] && v.length <= nums[1];
    case 'min':
      needNums(1);
      return (v) => /^-?\d+$/.test(v) && Number(v) >= nums[0];
    case 'max':
      needNums(1);
      return (v) => /^-?\d+$/.test(v) && Number(v) <= nums[0];
    case 'range':
      needNums(2);
      return (v) => /^-?\d+$/.test(v) && Number(v) >= nums[0] && Number(v) <= nums[1];
    case 'regex': {
      let re: RegExp;
      try {
        // ASP.NET: case-insensitive, not anchored unless the pattern anchors itself.
        re = new RegExp(arg ?? '', 'i');
      } catch {
        throw new HostError('HOST_BAD_ROUTE', `Route "${template}": invalid regex constraint "${spec}".`);
      }
      return (v) => re.test(v);
    }
    default:
      throw new HostError('HOST_BAD_ROUTE', `Route "${template}": unknown constraint "${name}".`);
  }
}

function parseParam(body: string, template: string): ParamPart {
  let catchAll = false;
  if (body.startsWith('**')) {
    catchAll = true;
    body = body.slice(2);
  } else if (body.startsWith('*')) {
    catchAll = true;
    body = body.slice(1);
  }
  const [head, ...cons] = splitConstraints(body);
  let name = head;
  let optional = false;
  let defaultValue: string | undefined;
  // Optional / default markers may come after the constraints too: {id:int?}
  let last = cons.length ? cons[cons.length - 1] : undefined;
  const tailTarget = last !== undefined ? 'cons' : 'name';
  const strip = (s: string) => {
    if (s.endsWith('?')) {
      optional = true;
      return s.slice(0, -1);
    }
    const eq = s.indexOf('=');
    if (eq >= 0 && !s.slice(0, eq).includes('(')) {
      defaultValue = s.slice(eq + 1);
      return s.slice(0, eq);
    }
    return s;
  };
  if (tailTarget === 'cons') {
    last = strip(last!);
    cons[cons.length - 1] = last;
  } else name = strip(name);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new HostError('HOST_BAD_ROUTE', `Route "${template}": bad parameter name "${name}".`);
  }
  return {
    kind: 'param',
    name,
    optional: optional || catchAll,
    catchAll,
    defaultValue,
    constraints: cons.map((c) => makeConstraint(c, template)),
  };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileSegment(seg: string, template: string): Segment {
  const parts: Part[] = [];
  let i = 0;
  let lit = '';
  while (i < seg.length) {
    const ch = seg[i];
    if (ch === '{' && seg[i + 1] === '{') {
      lit += '{';
      i += 2;
    } else if (ch === '}' && seg[i + 1] === '}') {
      lit += '}';
      i += 2;
    } else if (ch === '{') {
      // find the matching close brace, allowing parentheses inside (regex constraints)
      let depth = 0;
      let j = i + 1;
      for (; j < seg.length; j++) {
        if (seg[j] === '(') depth++;
        else if (seg[j] === ')') depth--;
        else if (seg[j] === '}' && depth <= 0) break;
      }
      if (j >= seg.length) throw new HostError('HOST_BAD_ROUTE', `Route "${template}": unclosed "{".`);
      if (lit) parts.push({ kind: 'literal', text: lit });
      lit = '';
      parts.push(
        parseParam(
          seg
            .slice(i + 1, j)
            .replace(/\{\{/g, '{')
            .replace(/\}\}/g, '}'),
          template,
        ),
      );
      i = j + 1;
    } else {
      lit += ch;
      i++;
    }
  }
  if (lit) parts.push({ kind: 'literal', text: lit });
  const params = parts.filter((p): p is ParamPart => p.kind === 'param');
  if (params.length > 1 && params.some((p) => p.catchAll)) {
    throw new HostError('HOST_BAD_ROUTE', `Route "${template}": a catch-all parameter must be alone in its segment.`);
  }
  // Greedy from the left = ASP.NET's right-to-left matching of complex segments (a.b.c -> {x}.{y}: x=a.b).
  const re = parts.map((p) => (p.kind === 'literal' ? escapeRe(p.text) : p.catchAll ? '(.*)' : '(.+)')).join('');
  return { parts, regex: new RegExp(`^${re}$`, 'i'), params };
}

export function compileRoute(template: string): CompiledRoute {
  const clean = template.replace(/^\/+|\/+$/g, '');
  const segs = clean === '' ? [] : clean.split('/');
  const segments = segs.map((s) => {
    if (s === '') throw new HostError('HOST_BAD_ROUTE', `Route "${template}": empty segment.`);
    return compileSegment(s, template);
  });
  segments.forEach((seg, idx) => {
    const catchAll = seg.params.some((p) => p.catchAll);
    if (catchAll && idx !== segments.length - 1) {
      throw new HostError('HOST_BAD_ROUTE', `Route "${template}": a catch-all parameter must be the last segment.`);
    }
  });
  const precedence = segments.map((s) => {
    if (s.params.length === 0) return 1;
    if (s.parts.length > 1) return 2;
    const p = s.params[0];
    if (p.catchAll) return 5;
    if (p.optional || p.defaultValue !== undefined) return 4;
    return p.constraints.length ? 3 : 3.5;
  });
  return { template: clean, segments, precedence };
}

/** Orders routes as ASP.NET does: literal before parameter before catch-all, segment by segment. */
export function comparePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const x = a.precedence[i] ?? 0;
    const y = b.precedence[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** Matches a request path (without the route prefix, already split and decoded); returns params or undefined. */
export function matchRoute(route: CompiledRoute, pathSegments: readonly string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const segs = route.segments;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const only = seg.parts.length === 1 && seg.parts[0].kind === 'param' ? (seg.parts[0] as ParamPart) : undefined;
    if (only?.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest === '' && only.defaultValue !== undefined) params[only.name] = only.defaultValue;
      else if (rest !== '') {
        if (!only.constraints.every((c) => c(rest))) return undefined;
        params[only.name] = rest;
      }
      return params;
    }
    if (i >= pathSegments.length) {
      // Missing path segment: acceptable only for a lone optional/defaulted parameter.
      if (!only || (!only.optional && only.defaultValue === undefined)) return undefined;
      if (only.defaultValue !== undefined) params[only.name] = only.defaultValue;
      continue;
    }
    const m = seg.regex.exec(pathSegments[i]);
    if (!m) return undefined;
    for (let k = 0; k < seg.params.length; k++) {
      const p = seg.params[k];
      const v = m[k + 1];
      if (!p.constraints.every((c) => c(v))) return undefined;
      params[p.name] = v;
    }
  }
  if (pathSegments.length > segs.length) return undefined;
  return params;
}

/** Splits a URL pathname into decoded segments (undefined when the encoding is malformed). */
export function splitPath(pathname: string): string[] | undefined {
  const trimmed = pathname.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  try {
    return trimmed.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
