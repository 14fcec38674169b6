/**
 * A reader for ARM template expressions ("[union(createObject('A', parameters('x')), ...)]"), the
 * language the Bicep compiler emits. Enough to read what test/infra checks on compiled templates:
 * which app settings exist and what their values are made of, role assignment scopes and roles.
 */
export type Expr =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'prop'; target: Expr; name: string }
  | { kind: 'index'; target: Expr; index: Expr };

/** A JSON string value: an expression when it is "[...]" (and not "[[" escaped), else a literal. */
export function parseValue(value: string): Expr {
  if (value.startsWith('[') && !value.startsWith('[[') && value.endsWith(']')) return parseExpr(value.slice(1, -1));
  return { kind: 'string', value: value.startsWith('[[') ? value.slice(1) : value };
}

export function parseExpr(text: string): Expr {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`ARM expression: ${what} at ${i} in ${text}`);
  };
  const primary = (): Expr => {
    ws();
    if (text[i] === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) fail('unterminated string');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      return { kind: 'string', value: s };
    }
    const num = /^-?\d+(\.\d+)?/.exec(text.slice(i));
    if (num) {
      i += num[0].length;
      return { kind: 'number', value: Number(num[0]) };
    }
    const id = /^[A-Za-z_][\w.]*/.exec(text.slice(i));
    if (!id) return fail('expected a value');
    i += id[0].length;
    ws();
    if (text[i] !== '(') return fail(`expected ( after ${id[0]}`);
    i++;
    const args: Expr[] = [];
    ws();
    if (text[i] === ')') i++;
    else
      for (;;) {
        args.push(postfix());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ')') {
          i++;
          break;
        } else fail('expected , or )');
      }
    return { kind: 'call', name: id[0], args };
  };
  const postfix = (): Expr => {
    let e = primary();
    for (;;) {
      ws();
      if (text[i] === '.') {
        i++;
        const id = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
        if (!id) fail('expected a property name');
        i += id![0].length;
        e = { kind: 'prop', target: e, name: id![0] };
      } else if (text[i] === '[') {
        i++;
        const index = postfix();
        ws();
        if (text[i] !== ']') fail('expected ]');
        i++;
        e = { kind: 'index', target: e, index };
      } else return e;
    }
  };
  const e = postfix();
  ws();
  if (i !== text.length) fail('trailing text');
  return e;
}

/** Every function name called anywhere in the expression (lower-cased, as ARM is case-insensitive). */
export function calledFunctions(e: Expr): string[] {
  switch (e.kind) {
    case 'call':
      return [e.name.toLowerCase(), ...e.args.flatMap(calledFunctions)];
    case 'prop':
      return calledFunctions(e.target);
    case 'index':
      return [...calledFunctions(e.target), ...calledFunctions(e.index)];
    default:
      return [];
  }
}

/** Back to text, for messages and for comparing two expressions. */
export function render(e: Expr): string {
  switch (e.kind) {
    case 'string':
      return `'${e.value.replace(/'/g, "''")}'`;
    case 'number':
      return String(e.value);
    case 'call':
      return `${e.name}(${e.args.map(render).join(', ')})`;
    case 'prop':
      return `${render(e.target)}.${e.name}`;
    case 'index':
      return `${render(e.target)}[${render(e.index)}]`;
  }
}

export const isCall = (e: Expr, name: string): e is Extract<Expr, { kind: 'call' }> => e.kind === 'call' && e.name.toLowerCase() === name.toLowerCase();
