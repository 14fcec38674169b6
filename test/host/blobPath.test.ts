import { matchBlobPath, parseBlobPath } from '../../src/host/blobPath';
import { blobNameProblem } from '../../src/host/blobName';
import { decodeMessage, quoteEtag, receiptPathFor } from '../../src/host/blobTrigger';
import { CoreRegistry, createCoreApi } from '../../src/host/coreApi';

describe('blob trigger paths and messages', () => {
  test('container and parameters; a parameter may span virtual folders', () => {
    const p = parseBlobPath('datasets/{name}');
    expect(p.container).toBe('datasets');
    expect(matchBlobPath(p, 'a/b.csv')).toEqual({ name: 'a/b.csv' });
    const q = parseBlobPath('inbox/{folder}/{file}.csv');
    expect(matchBlobPath(q, 'x/y.csv')).toEqual({ folder: 'x', file: 'y' });
    expect(matchBlobPath(q, 'x/y.txt')).toBeUndefined();
    expect(matchBlobPath(parseBlobPath('whole'), 'any/thing')).toEqual({});
  });
  test('invalid container names and bad patterns fail with a code', () => {
    expect(() => parseBlobPath('Bad_Container/{name}')).toThrow(expect.objectContaining({ code: 'HOST_BAD_BLOB_PATH' }));
    expect(() => parseBlobPath('in/{name}')).toThrow(expect.objectContaining({ code: 'HOST_BAD_BLOB_PATH' })); // under 3 characters
    expect(() => parseBlobPath('{c}/{name}')).toThrow(expect.objectContaining({ code: 'HOST_BAD_BLOB_PATH' }));
    expect(() => parseBlobPath('ok/{name')).toThrow(expect.objectContaining({ code: 'HOST_BAD_BLOB_PATH' }));
  });
  test('queue messages decode from base64 or raw JSON; garbage is rejected', () => {
    const m = { Type: 'BlobTrigger', FunctionId: 'Host.Functions.f', BlobType: 'BlockBlob', ContainerName: 'c', BlobName: 'b', ETag: '"1"' };
    expect(decodeMessage(Buffer.from(JSON.stringify(m)).toString('base64'))).toEqual(m);
    expect(decodeMessage(JSON.stringify(m))).toEqual(m);
    expect(decodeMessage('not a message')).toBeUndefined();
    expect(decodeMessage(JSON.stringify({ FunctionId: 1 }))).toBeUndefined();
  });
  test('ETags compare in their quoted form', () => {
    expect(quoteEtag('0x8D1')).toBe('"0x8D1"');
    expect(quoteEtag('"0x8D1"')).toBe('"0x8D1"');
  });
});

describe('core API registration', () => {
  const meta = (name: string) => ({ name, bindings: { t: { type: 'httpTrigger', direction: 'in' as const } } });
  test('duplicate function names (case-insensitive) are rejected; registration closes after startup', () => {
    const reg = new CoreRegistry();
    const api = createCoreApi(reg, 'test');
    api.registerFunction(meta('a'), () => 1);
    expect(() => api.registerFunction(meta('A'), () => 1)).toThrow(expect.objectContaining({ code: 'HOST_DUPLICATE_FUNCTION' }));
    reg.startupFinished = true;
    expect(() => api.registerFunction(meta('b'), () => 1)).toThrow(expect.objectContaining({ code: 'HOST_REGISTRATION_CLOSED' }));
    expect(api.getRegisteredFunctions()).toEqual([{ name: 'a', trigger: 'httpTrigger' }]);
  });
  test('hooks register and dispose; unknown hook names throw a RangeError as the worker does', () => {
    const reg = new CoreRegistry();
    const api = createCoreApi(reg, 'test');
    const d = api.registerHook('preInvocation', () => {});
    expect(reg.hooks.preInvocation).toHaveLength(1);
    d.dispose();
    expect(reg.hooks.preInvocation).toHaveLength(0);
    expect(() => api.registerHook('nope', () => {})).toThrow(RangeError);
  });
});

describe('blob names that cannot be put into a storage path', () => {
  test.each([
    ['a/../../registry/x.csv', 'BLOB_NAME_DOT_SEGMENT'],
    ['../x.csv', 'BLOB_NAME_DOT_SEGMENT'],
    ['./x.csv', 'BLOB_NAME_DOT_SEGMENT'],
    ['x/..', 'BLOB_NAME_DOT_SEGMENT'],
    ['a\\..\\x.csv', 'BLOB_NAME_BACKSLASH'],
    ['x\n.csv', 'BLOB_NAME_CONTROL_CHAR'],
    ['x\u0000.csv', 'BLOB_NAME_CONTROL_CHAR'],
    ['%2E%2E/x.csv', 'BLOB_NAME_ENCODED_SEPARATOR'],
    ['a%2fb.csv', 'BLOB_NAME_ENCODED_SEPARATOR'],
    ['a%5Cb.csv', 'BLOB_NAME_ENCODED_SEPARATOR'],
    ['/x.csv', 'BLOB_NAME_EMPTY_SEGMENT'],
    ['a//x.csv', 'BLOB_NAME_EMPTY_SEGMENT'],
    ['', 'BLOB_NAME_EMPTY'],
    ['x'.repeat(1025), 'BLOB_NAME_TOO_LONG'],
  ])('%j is refused as %s', (name, code) => {
    expect(blobNameProblem(name)?.code).toBe(code);
  });

  test.each(['bank.csv', 'folder/bank.csv', '..csv', 'a..b/c.d', '100%.csv', 'é.csv'])('%j is addressable', (name) => {
    expect(blobNameProblem(name)).toBeUndefined();
  });

  test('receipts keep the extension layout for addressable names and a hash for the others', () => {
    expect(receiptPathFor('h', 'Host.Functions.f', '"0x1"', 'datasets', 'a/b.csv')).toBe('blobreceipts/h/Host.Functions.f/0x1/datasets/a/b.csv');
    const bad = receiptPathFor('h', 'Host.Functions.f', '"0x1"', 'datasets', 'a/../../../../../../registry/x');
    expect(bad).toMatch(/^blobreceipts\/h\/Host\.Functions\.f\/0x1\/datasets\/\$unaddressable\/[0-9a-f]{64}$/);
    expect(receiptPathFor('h', 'F', '"0x1"', 'datasets', 'a\\..\\x')).not.toBe(bad);
  });

  test('a {name} parameter matches names with newlines too (so they trigger and get recorded)', () => {
    expect(matchBlobPath(parseBlobPath('datasets/{name}'), 'x\ny.csv')).toEqual({ name: 'x\ny.csv' });
  });
});
