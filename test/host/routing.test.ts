import { comparePrecedence, compileRoute, matchRoute, splitPath } from '../../src/host/routing';

const match = (template: string, p: string) => matchRoute(compileRoute(template), splitPath(p)!);

describe('route templates (ASP.NET Core semantics)', () => {
  test('literal segments are case-insensitive and must all match', () => {
    expect(match('a/b', 'A/B')).toEqual({});
    expect(match('a/b', 'a')).toBeUndefined();
    expect(match('a/b', 'a/b/c')).toBeUndefined();
  });
  test('parameters capture decoded segments', () => {
    expect(match('users/{id}/orders/{orderId}', 'users/7/orders/x%2Fy')).toEqual({ id: '7', orderId: 'x/y' });
  });
  test('int, long, bool, guid, alpha, length and range constraints', () => {
    expect(match('{x:int}', '2147483647')).toEqual({ x: '2147483647' });
    expect(match('{x:int}', '2147483648')).toBeUndefined();
    expect(match('{x:long}', '2147483648')).toEqual({ x: '2147483648' });
    expect(match('{x:bool}', 'TRUE')).toEqual({ x: 'TRUE' });
    expect(match('{x:guid}', '3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBeDefined();
    expect(match('{x:guid}', 'nope')).toBeUndefined();
    expect(match('{x:alpha:minlength(3)}', 'ab')).toBeUndefined();
    expect(match('{x:alpha:maxlength(3)}', 'abc')).toEqual({ x: 'abc' });
    expect(match('{x:length(2,3)}', 'abcd')).toBeUndefined();
    expect(match('{x:min(5)}', '4')).toBeUndefined();
    expect(match('{x:max(5)}', '5')).toEqual({ x: '5' });
  });
  test('regex constraint with escaped braces and a colon inside', () => {
    expect(match('t/{v:regex(^\\d{{2}}:\\d{{2}}$)}', 't/12:30')).toEqual({ v: '12:30' });
    expect(match('t/{v:regex(^\\d{{2}}:\\d{{2}}$)}', 't/1:30')).toBeUndefined();
  });
  test('optional, default and optional-with-constraint parameters', () => {
    expect(match('p/{a?}', 'p')).toEqual({});
    expect(match('p/{a:int?}', 'p/x')).toBeUndefined();
    expect(match('p/{a:int?}', 'p/3')).toEqual({ a: '3' });
    expect(match('p/{a=z}', 'p')).toEqual({ a: 'z' });
    expect(match('p/{a}', 'p')).toBeUndefined();
  });
  test('catch-all takes the remaining segments, including none', () => {
    expect(match('f/{*rest}', 'f/a/b')).toEqual({ rest: 'a/b' });
    expect(match('f/{*rest}', 'f')).toEqual({});
  });
  test('complex segments mix literals and parameters', () => {
    expect(match('files/{name}.{ext}', 'files/report.final.pdf')).toEqual({ name: 'report.final', ext: 'pdf' });
  });
  test('precedence orders literals before constrained before plain before catch-all', () => {
    const order = ['x/{*r}', 'x/{a}', 'x/{a:int}', 'x/lit']
      .map(compileRoute)
      .sort(comparePrecedence)
      .map((r) => r.template);
    expect(order).toEqual(['x/lit', 'x/{a:int}', 'x/{a}', 'x/{*r}']);
  });
  test('bad templates fail with a stable code', () => {
    expect(() => compileRoute('a/{x:nosuch}')).toThrow(expect.objectContaining({ code: 'HOST_BAD_ROUTE' }));
    expect(() => compileRoute('a/{*r}/b')).toThrow(expect.objectContaining({ code: 'HOST_BAD_ROUTE' }));
    expect(() => compileRoute('a/{x')).toThrow(expect.objectContaining({ code: 'HOST_BAD_ROUTE' }));
    expect(() => compileRoute('a/{x:min(q)}')).toThrow(expect.objectContaining({ code: 'HOST_BAD_ROUTE' }));
  });
  test('malformed percent-encoding is rejected, not thrown', () => {
    expect(splitPath('/a/%E0%A4%A')).toBeUndefined();
  });
});
