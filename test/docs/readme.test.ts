/**
 * The README's client snippets, run as a reader would paste them (blocks marked
 * `<!-- readme-test: curl|python|node -->`), against the real app in the embedded host serving a
 * bank-shaped model `bank`. Only two things change: the host's URL replaces http://127.0.0.1:7071,
 * and `npx mlops` is run as `node bin/mlops.js` (the same file, without npx's start-up time).
 * Python runs when python3 with `requests` is on the machine, and is skipped with a message otherwise.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/host';
import { BIN, startStack, Stack } from '../cli/stack';

jest.setTimeout(120000);

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

function snippet(kind: string): string {
  const m = new RegExp(`<!-- readme-test: ${kind} -->\\s*\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(README);
  if (!m) throw new Error(`README has no block marked <!-- readme-test: ${kind} -->`);
  return m[1];
}

/** A python3 with the requests package: the one on PATH, else Debian's (.ci/run installs python3-requests). */
const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import requests'], { encoding: 'utf8', timeout: 60000 }).status === 0);
const pythonWithRequests = python !== undefined;

let stack: Stack;
let dir: string;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO_ROOT, env, timeout: 90000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr });
    });
  });
}

const localize = (text: string) =>
  text
    .split('http://127.0.0.1:7071')
    .join(stack.host.baseUrl)
    .split('npx mlops')
    .join(`node ${JSON.stringify(BIN)}`);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-readme-'));
  stack = await startStack();
  await stack.registerFixture('bank', 1);
  const r = await fetch(`${stack.host.baseUrl}/api/models/bank/rollback`, {
    method: 'POST',
    headers: { 'x-functions-key': stack.host.hostKey, 'content-type': 'application/json' },
    body: JSON.stringify({ version: 1 }),
  });
  if (r.status !== 200) throw new Error(`could not promote the fixture model: ${r.status} ${await r.text()}`);
});

afterAll(async () => {
  await stack?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the example row of the README is the one its snippets send', () => {
  const row = JSON.parse(/```json\n(\{"age".*\})\n```/.exec(README)![1]);
  expect(Object.keys(row)).toHaveLength(20);
  expect(snippet('curl')).toContain(`ROW='${JSON.stringify(row).replace(/,"/g, ', "').replace(/":/g, '": ')}'`);
});

test('curl: the three request shapes answer 200 with result, Results and predictions', async () => {
  const r = await run('bash', ['-c', `set -eu\n${localize(snippet('curl'))}`], stack.env);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const answers = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(answers).toHaveLength(3);
  expect(answers[0].result).toEqual([expect.stringMatching(/^(yes|no)$/)]);
  expect(answers[1].Results[0]).toHaveLength(2);
  expect(answers[1].Results[0][0] + answers[1].Results[0][1]).toBeCloseTo(1, 5);
  expect(answers[2].predictions).toEqual(answers[0].result);
});

test('Node (fetch): the three shapes print labels, probabilities, labels', async () => {
  const file = path.join(dir, 'score.mjs');
  fs.writeFileSync(file, localize(snippet('node')));
  const r = await run(process.execPath, [file], { ...stack.env, SCORE_KEY: stack.host.functionKey('scoreModel') });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^\[ '(yes|no)' \]\n\[ \[ [\d.e-]+, [\d.e-]+ \] \]\n\[ '(yes|no)' \]\n$/);
});

(pythonWithRequests ? test : test.skip)('Python (requests): the three shapes, and a 400 INVALID_FIELDS for an incomplete row', async () => {
  const file = path.join(dir, 'score.py');
  fs.writeFileSync(file, localize(snippet('python')));
  const r = await run(python!, [file], { ...stack.env, SCORE_KEY: stack.host.functionKey('scoreModel') });
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const lines = r.out.trim().split('\n');
  expect(lines[0]).toMatch(/^\['(yes|no)'\] bank 1$/);
  expect(lines[1]).toMatch(/^\[\[[\d.e-]+, [\d.e-]+\]\]$/);
  expect(lines[2]).toMatch(/^\['(yes|no)'\]$/);
  expect(lines[3]).toMatch(/^400 INVALID_FIELDS \['\w+', '[\w.]+', '[\w.]+'\]$/);
});

if (!pythonWithRequests) {
  test('Python snippet skipped', () => {
    console.warn('README Python snippet not run: python3 with the requests package is not available (pip install requests)');
  });
}

test('the score function key does not open the model route; the scoreModel key does not open /api/score', async () => {
  // The README tells clients which key opens which route: check the claim.
  const body = JSON.stringify({ data: [JSON.parse(/```json\n(\{"age".*\})\n```/.exec(README)![1])] });
  const post = (p: string, key: string) =>
    fetch(`${stack.host.baseUrl}${p}`, { method: 'POST', headers: { 'x-functions-key': key, 'content-type': 'application/json' }, body });
  expect((await post('/api/score', stack.host.functionKey('score'))).status).toBe(200);
  expect((await post('/api/models/bank/score', stack.host.functionKey('score'))).status).toBe(401);
  expect((await post('/api/score', stack.host.functionKey('scoreModel'))).status).toBe(401);
});
