import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { globFiles } from '../../src/host/glob';
import { parseTimeSpan, readHostConfig } from '../../src/host/hostConfig';
import { computeHostId } from '../../src/host/hostId';
import { ConsoleLog } from '../../src/host/logger';
import { keysEqual } from '../../src/host/secrets';
import { applyLocalSettings, ensureLocalSettings, readLocalSettings } from '../../src/host/settings';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-hostcfg-'));
}

describe('host configuration', () => {
  test('TimeSpan parsing as host.json functionTimeout uses it', () => {
    expect(parseTimeSpan('00:30:00')).toBe(1800000);
    expect(parseTimeSpan('1.02:00:05.5')).toBe((26 * 3600 + 5) * 1000 + 500);
    expect(() => parseTimeSpan('30m')).toThrow(expect.objectContaining({ code: 'HOST_BAD_HOST_JSON' }));
  });

  test('host.json: routePrefix, functionTimeout -1, blob queue dequeue count; bad version rejected', () => {
    const d = tmpDir();
    fs.writeFileSync(
      path.join(d, 'host.json'),
      JSON.stringify({ version: '2.0', functionTimeout: '-1', extensions: { http: { routePrefix: '/v1/' }, queues: { maxDequeueCount: 3 } } }),
    );
    const c = readHostConfig(d);
    expect(c.routePrefix).toBe('v1');
    expect(c.functionTimeoutMs).toBeUndefined();
    expect(c.blobs.maxDequeueCount).toBe(3);
    fs.writeFileSync(path.join(d, 'host.json'), JSON.stringify({ version: '1.0' }));
    expect(() => readHostConfig(d)).toThrow(expect.objectContaining({ code: 'HOST_BAD_HOST_JSON' }));
    fs.writeFileSync(path.join(d, 'host.json'), '{ nope');
    expect(() => readHostConfig(d)).toThrow(expect.objectContaining({ code: 'HOST_BAD_HOST_JSON' }));
  });

  test('local.settings.json: created from the sample once; Values applied; existing env wins', () => {
    const d = tmpDir();
    fs.writeFileSync(path.join(d, 'local.settings.sample.json'), JSON.stringify({ IsEncrypted: false, Values: { A: '1', B: '2' } }));
    expect(ensureLocalSettings(d)).toBe(true);
    expect(ensureLocalSettings(d)).toBe(false);
    const env: NodeJS.ProcessEnv = { B: 'env' };
    expect(applyLocalSettings(readLocalSettings(d), env)).toEqual(['A']);
    expect(env).toEqual({ A: '1', B: 'env' });
    fs.writeFileSync(path.join(d, 'local.settings.json'), '{"Values": ');
    expect(() => readLocalSettings(d)).toThrow(expect.objectContaining({ code: 'HOST_BAD_LOCAL_SETTINGS' }));
  });

  test('package.json main globs: *, ** and braces', () => {
    const d = tmpDir();
    for (const f of ['dist/functions/a.js', 'dist/functions/b.js', 'dist/functions/c.js.map', 'dist/src/x/y.js', 'index.js']) {
      fs.mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      fs.writeFileSync(path.join(d, f), '');
    }
    expect(globFiles('dist/functions/*.js', d)).toEqual(['dist/functions/a.js', 'dist/functions/b.js']);
    expect(globFiles('dist/**/*.js', d)).toEqual(['dist/functions/a.js', 'dist/functions/b.js', 'dist/src/x/y.js']);
    expect(globFiles('{index.js,dist/src/x/y.js}', d)).toEqual(['dist/src/x/y.js', 'index.js']);
    expect(globFiles('./index.js', d)).toEqual(['index.js']);
    expect(globFiles('nope/*.js', d)).toEqual([]);
  });

  test('host id: explicit setting, else the app name, sanitized to 32 chars', () => {
    expect(computeHostId({ AzureFunctionsWebHost__hostid: 'My_Host' }, 'x')).toBe('my-host');
    expect(computeHostId({}, '@scope/Some.App')).toBe('scope-some-app');
    expect(computeHostId({}, 'a'.repeat(40))).toHaveLength(32);
  });

  test('log levels: most specific host.json category wins', () => {
    const lines: string[] = [];
    const log = new ConsoleLog({ default: 'Warning', Function: 'Information', 'Function.noisy': 'Error' }, (l) => lines.push(l));
    log.line('information', 'Host', 'host-info');
    log.line('information', 'Function.a.User', 'fn-info', 'id1');
    log.line('warning', 'Function.noisy.User', 'noisy-warn');
    log.line('error', 'Function.noisy.User', 'noisy-error');
    expect(lines.join('\n')).not.toMatch(/host-info|noisy-warn/);
    expect(lines.join('\n')).toMatch(/Information Function\.a\.User \(Id=id1\): fn-info/);
    expect(lines.join('\n')).toMatch(/noisy-error/);
  });

  test('key comparison is exact', () => {
    expect(keysEqual('abc', 'abc')).toBe(true);
    expect(keysEqual('abc', 'abd')).toBe(false);
    expect(keysEqual('abc', 'abcd')).toBe(false);
  });
});
