import { matchBlobPath, parseBlobPath } from '../../src/host/blobPath';
import { decodeMessage, quoteEtag } from '../../src/host/blobTrigger';
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
