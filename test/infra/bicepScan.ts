/**
 * A small structural reader for this repo's Bicep text, for what the Bicep compiler does not check
 * (the compiler itself runs in tools/bicep/check.sh): the azd parameter file and hooks, GA API
 * versions, secrets, the function app's settings and the dataset Event Grid webhook. Each check
 * takes the repo root and returns a list of problems (empty = fine), so tests can also run it on
 * broken copies. Where the compiled template says the same more reliably, compiled.test.ts and
 * appCalls.test.ts read that instead.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface Param {
  name: string;
  type: string;
  /** Has a default value or a nullable type: callers may omit it. */
  optional: boolean;
  defaultText?: string;
}

export interface ResourceDecl {
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  body: string;
}

export interface ModuleDecl {
  symbol: string;
  path: string;
  /** Keys of the `params: { ... }` object. */
  params: string[];
  body: string;
}

export interface BicepFile {
  file: string;
  /** Comments removed, strings intact. */
  code: string;
  params: Param[];
  outputs: string[];
  resources: ResourceDecl[];
  modules: ModuleDecl[];
}

/** Removes // and /* *\/ comments, leaving strings (including '''multi-line''' ones) untouched. */
export function stripComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    if (src.startsWith("'''", i)) {
      const end = src.indexOf("'''", i + 3);
      const stop = end < 0 ? src.length : end + 3;
      out += src.slice(i, stop);
      i = stop;
    } else if (src[i] === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== "'") j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
    } else if (src.startsWith('//', i)) {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += src[i++];
    }
  }
  return out;
}

/** Replaces the content of every string literal by spaces (newlines kept) so braces inside strings don't count. */
export function blankStrings(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    if (code.startsWith("'''", i)) {
      const end = code.indexOf("'''", i + 3);
      const stop = end < 0 ? code.length : end + 3;
      out += "'''" + code.slice(i + 3, stop - 3).replace(/[^\n]/g, ' ') + "'''";
      i = stop;
    } else if (code[i] === "'") {
      let j = i + 1;
      while (j < code.length && code[j] !== "'") j += code[j] === '\\' ? 2 : 1;
      out += "'" + code.slice(i + 1, j).replace(/[^\n]/g, ' ') + "'";
      i = j + 1;
    } else {
      out += code[i++];
    }
  }
  return out;
}

/** Index of the bracket closing the one at `open` (same kind), in string-blanked text. */
function matchBracket(blank: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < blank.length; i++) {
    const c = blank[i];
    if (pairs[c]) stack.push(pairs[c]);
    else if (c === '}' || c === ']' || c === ')') {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Body of a declaration: from the first `{` after `=` to its match (handles `= if (...) {` and `= [for ...: {`). */
function declarationBody(code: string, blank: string, from: number): { body: string; end: number } {
  const eq = blank.indexOf('=', from);
  const open = blank.indexOf('{', eq);
  if (eq < 0 || open < 0) return { body: '', end: from };
  const close = matchBracket(blank, open);
  if (close < 0) return { body: code.slice(open), end: code.length };
  return { body: code.slice(open, close + 1), end: close + 1 };
}

/** Top-level keys of an object literal given as `{ ... }` text. */
export function objectKeys(objectText: string): string[] {
  const blank = blankStrings(objectText);
  const keys: string[] = [];
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < blank.length; i++) {
    const c = blank[i];
    if (depth === 1 && lineStart) {
      const m = /^\s*([A-Za-z_][\w]*|'[^']*')\s*:/.exec(blank.slice(i, blank.indexOf('\n', i) < 0 ? undefined : blank.indexOf('\n', i)));
      if (m) {
        // Quoted keys: read the real text, not the blanked one.
        const raw = /^\s*([A-Za-z_][\w]*|'[^']*')/.exec(objectText.slice(i))![1];
        keys.push(raw.replace(/^'|'$/g, ''));
      }
    }
    lineStart = c === '\n' || c === ',' || c === '{';
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return keys;
}

/** The `{ ... }` value of `key:` at the top level of an object text, if any. */
export function objectProperty(objectText: string, key: string): string | undefined {
  const blank = blankStrings(objectText);
  let depth = 0;
  for (let i = 0; i < blank.length; i++) {
    const c = blank[i];
    if (depth === 1) {
      const m = new RegExp(`^${key}\\s*:\\s*`).exec(blank.slice(i));
      if (m && /[\s{,]/.test(blank[i - 1] ?? ' ')) {
        const start = i + m[0].length;
        if (blank[start] === '{' || blank[start] === '[') {
          const end = matchBracket(blank, start);
          return objectText.slice(start, end + 1);
        }
        const eol = objectText.indexOf('\n', start);
        return objectText.slice(start, eol < 0 ? undefined : eol).trim();
      }
    }
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return undefined;
}

export function parseBicep(file: string): BicepFile {
  const code = stripComments(fs.readFileSync(file, 'utf8'));
  const blank = blankStrings(code);
  const params: Param[] = [];
  const outputs: string[] = [];
  const resources: ResourceDecl[] = [];
  const modules: ModuleDecl[] = [];

  // Declarations start at column 0 in this repo's style (decorators on their own lines).
  const declRe = /^(param|output|resource|module)\s+([A-Za-z_]\w*)\s+/gm;
  let m: RegExpExecArray | null;
  while ((m = declRe.exec(blank))) {
    const [, kind, symbol] = m;
    const rest = code.slice(m.index + m[0].length);
    const line = rest.split('\n')[0];
    if (kind === 'param') {
      const pm = /^([\w.]+(\[\])?\??)\s*(=\s*(.*))?$/.exec(line.trim());
      const type = pm ? pm[1] : line.trim();
      params.push({ name: symbol, type, optional: !!pm?.[3] || type.endsWith('?'), defaultText: pm?.[4] });
    } else if (kind === 'output') {
      outputs.push(symbol);
    } else if (kind === 'resource') {
      const rm = /^'([^'@]+)@([^']*)'\s*(existing)?/.exec(line);
      const { body } = declarationBody(code, blank, m.index + m[0].length);
      if (rm) resources.push({ symbol, type: rm[1], apiVersion: rm[2], existing: !!rm[3], body });
    } else if (kind === 'module') {
      const mm = /^'([^']+)'/.exec(line);
      const { body } = declarationBody(code, blank, m.index + m[0].length);
      const paramsObj = objectProperty(body, 'params');
      modules.push({ symbol, path: mm ? mm[1] : '', params: paramsObj ? objectKeys(paramsObj) : [], body });
    }
  }
  return { file, code, params, outputs, resources, modules };
}

export function bicepFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...bicepFiles(p));
    else if (entry.name.endsWith('.bicep')) out.push(p);
  }
  return out.sort();
}

const rel = (root: string, f: string) => path.relative(root, f).split(path.sep).join('/');

// ---------------------------------------------------------------------------------------------
// Checks. Each returns human-readable problems; [] means the check passed.
// ---------------------------------------------------------------------------------------------

const AZD_SUBSTITUTION = /^\$\{[A-Z_][A-Z0-9_]*(=[^}]*)?\}$/;

/** main.parameters.json matches main.bicep: names declared, required ones present, values are azd substitutions. */
export function checkParametersFile(root: string): string[] {
  const problems: string[] = [];
  const main = parseBicep(path.join(root, 'infra', 'main.bicep'));
  const file = path.join(root, 'infra', 'main.parameters.json');
  let json: { parameters?: Record<string, { value?: unknown; reference?: unknown }> };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return [`infra/main.parameters.json: not valid JSON (${(err as Error).message})`];
  }
  const given = json.parameters ?? {};
  const declared = new Map(main.params.map((p) => [p.name, p]));
  for (const [name, entry] of Object.entries(given)) {
    if (!declared.has(name)) problems.push(`main.parameters.json: '${name}' is not a param of main.bicep`);
    if (entry.reference !== undefined) problems.push(`main.parameters.json: '${name}' uses a Key Vault reference; secrets have no place here`);
    const v = entry.value;
    if (typeof v === 'string' && v.includes('$') && !AZD_SUBSTITUTION.test(v)) {
      problems.push(`main.parameters.json: '${name}' value ${JSON.stringify(v)} is not a single azd substitution like \${VAR} or \${VAR=default}`);
    }
  }
  for (const p of main.params) {
    if (!p.optional && !(p.name in given)) problems.push(`main.parameters.json: required param '${p.name}' of main.bicep is missing`);
  }
  for (const [name, variable] of [
    ['environmentName', 'AZURE_ENV_NAME'],
    ['location', 'AZURE_LOCATION'],
    ['principalId', 'AZURE_PRINCIPAL_ID'],
  ]) {
    if (given[name]?.value !== `\${${variable}}`) problems.push(`main.parameters.json: '${name}' must be \${${variable}}`);
  }
  return problems;
}

/** Minimal reader for the azure.yaml fields azd needs (no YAML dependency in package.json). */
export function readAzureYaml(root: string): {
  name?: string;
  services: Record<string, Record<string, string>>;
  hookRuns: string[];
  hookOf: Record<string, string>;
  text: string;
} {
  const text = fs.readFileSync(path.join(root, 'azure.yaml'), 'utf8');
  const services: Record<string, Record<string, string>> = {};
  const hookRuns: string[] = [];
  const hookOf: Record<string, string> = {};
  let section = '';
  let service = '';
  let hook = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const kv = /^\s*([\w-]+):\s*(.*)$/.exec(line);
    if (!kv) continue;
    if (indent === 0) {
      section = kv[1];
      service = '';
    } else if (section === 'services' && indent === 2) {
      service = kv[1];
      services[service] = {};
    } else if (section === 'services' && indent === 4 && service) {
      services[service][kv[1]] = kv[2].trim();
    }
    if (section === 'hooks' && indent === 2) hook = kv[1];
    if (section === 'hooks' && kv[1] === 'run') hookRuns.push(kv[2].trim());
    if (section === 'hooks' && kv[1] === 'run') hookOf[kv[2].trim()] = hook;
  }
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  return { name, services, hookRuns, hookOf, text };
}

/** The azd environment variables main.parameters.json substitutes (${VAR} or ${VAR=default}). */
export function parameterFileVariables(root: string): Set<string> {
  const text = fs.readFileSync(path.join(root, 'infra', 'main.parameters.json'), 'utf8');
  return new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]));
}

/** Variables azd provides itself (not from main.bicep outputs). */
const AZD_BUILTINS = new Set(['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_SUBSCRIPTION_ID', 'AZURE_PRINCIPAL_ID', 'AZURE_TENANT_ID']);
/** Shell variables that are not azd values. */
const SHELL_BUILTINS = new Set(['LASTEXITCODE', 'HOME', 'PATH', 'PWD']);
/** Variables the hooks define for themselves (documented in each hook's header). */
const HOOK_OWN = new Set(['MLOPS_SKIP_PREFLIGHT']);

/**
 * azure.yaml: services map to tagged resources, hook scripts exist; every variable a post-provision
 * hook reads is a main.bicep output (or a parameter-file variable), and every variable a
 * preprovision hook reads is a parameter-file variable (outputs do not exist yet then).
 */
export function checkAzd(root: string, compiledOutputs?: string[]): string[] {
  const problems: string[] = [];
  const yaml = readAzureYaml(root);
  const main = parseBicep(path.join(root, 'infra', 'main.bicep'));
  if (!yaml.name) problems.push('azure.yaml: no name');
  const api = yaml.services.api;
  if (!api) problems.push('azure.yaml: no services.api');
  else {
    if (api.host !== 'function') problems.push(`azure.yaml: services.api.host is '${api.host}', expected function`);
    if (api.language !== 'ts') problems.push(`azure.yaml: services.api.language is '${api.language}', expected ts`);
    if (!fs.existsSync(path.join(root, api.project ?? '', 'package.json')))
      problems.push(`azure.yaml: services.api.project '${api.project}' has no package.json`);
  }
  // azd finds each service's resource by the tag azd-service-name.
  const all = bicepFiles(path.join(root, 'infra')).map(parseBicep);
  const tagsWithParam = all.some((b) => /'azd-service-name':\s*serviceName\b/.test(b.code));
  for (const svc of Object.keys(yaml.services)) {
    const literal = all.some((b) => new RegExp(`'azd-service-name':\\s*'${svc}'`).test(b.code));
    const viaParam = tagsWithParam && new RegExp(`serviceName:\\s*'${svc}'`).test(main.code);
    if (!literal && !viaParam) problems.push(`azure.yaml: service '${svc}' has no resource tagged azd-service-name '${svc}'`);
  }
  const outputs = new Set(compiledOutputs ?? main.outputs);
  const paramVars = parameterFileVariables(root);
  for (const run of yaml.hookRuns) {
    const script = path.join(root, run);
    if (!fs.existsSync(script)) {
      problems.push(`azure.yaml: hook script '${run}' does not exist`);
      continue;
    }
    const src = fs.readFileSync(script, 'utf8');
    const used = new Set<string>();
    for (const re of [
      /\$\{([A-Z][A-Z0-9_]*)[:}=?-]/g,
      /\$([A-Z][A-Z0-9_]*)\b/g,
      /\$env:([A-Z][A-Z0-9_]*)\b/g,
      /env:([A-Z][A-Z0-9_]*)"/g,
      /\b([A-Z][A-Z0-9_]{3,})\|/g,
    ]) {
      let m: RegExpExecArray | null;
      while ((m = re.exec(src))) used.add(m[1]);
    }
    const pre = (yaml.hookOf[run] ?? '').startsWith('pre');
    for (const v of used) {
      if (AZD_BUILTINS.has(v) || SHELL_BUILTINS.has(v) || HOOK_OWN.has(v) || paramVars.has(v)) continue;
      if (pre)
        problems.push(
          `${run}: reads ${v}, which is neither an azd value nor a main.parameters.json variable (a preprovision hook runs before any output exists)`,
        );
      else if (!outputs.has(v)) problems.push(`${run}: reads ${v}, which main.bicep does not output`);
    }
    for (const line of src.split('\n').filter((l) => /--template-file|Join-Path/.test(l))) {
      // Paths relative to the script's folder ($here / $PSScriptRoot): ./x.bicep or ../x.bicep.
      for (const tpl of line.matchAll(/(\.\.?\/[\w./-]*\.bicep)\b/g)) {
        const target = path.resolve(path.dirname(script), tpl[1]);
        if (!fs.existsSync(target)) problems.push(`${run}: template '${tpl[1]}' does not exist`);
      }
    }
  }
  return problems;
}

const DATED = /^\d{4}-\d{2}-\d{2}$/;

/** Every resource type is pinned to a dated, non-preview API version (listKeys calls too). */
export function checkApiVersions(root: string): string[] {
  const problems: string[] = [];
  for (const file of bicepFiles(path.join(root, 'infra'))) {
    const bicep = parseBicep(file);
    for (const r of bicep.resources) {
      if (!DATED.test(r.apiVersion)) problems.push(`${rel(root, file)}: resource ${r.symbol} '${r.type}@${r.apiVersion}' is not a dated GA API version`);
    }
    for (const m of bicep.code.matchAll(/\blist\w*\([^)]*,\s*'([^']+)'\s*\)/g)) {
      if (!DATED.test(m[1])) problems.push(`${rel(root, file)}: ${m[0]} uses API version '${m[1]}'`);
    }
    const declared = (bicep.code.match(/^resource\s/gm) ?? []).length;
    if (declared !== bicep.resources.length) problems.push(`${rel(root, file)}: a resource declaration has no 'Type@version' string`);
  }
  return problems;
}

function infraTextFiles(root: string): string[] {
  const out: string[] = [path.join(root, 'azure.yaml')];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(bicep|json|sh|ps1|bicepparam)$/.test(e.name)) out.push(p);
    }
  };
  walk(path.join(root, 'infra'));
  return out.filter((f) => fs.existsSync(f));
}

/** No keys, SAS tokens, passwords or key-based connection strings written into infra/ or azure.yaml. */
export function checkNoSecrets(root: string): string[] {
  const problems: string[] = [];
  const patterns: Array<[RegExp, string]> = [
    [/AccountKey\s*=/i, 'a storage account key in a connection string'],
    [/SharedAccessSignature\s*=|[?&]sig=[A-Za-z0-9%]/i, 'a SAS token'],
    [/SharedAccessKey\s*=/i, 'a shared access key'],
    [/InstrumentationKey\s*=\s*[0-9a-f]{8}-/i, 'a literal instrumentation key'],
    [/[?&]code=[A-Za-z0-9_%-]{10,}/, 'a literal function key in a URL'],
    [/\b(password|secret|pwd)\s*[:=]\s*'[^']+'/i, 'a literal password or secret'],
    [/'[A-Za-z0-9+/]{40,}={0,2}'/, 'a long base64 literal (looks like a key)'],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  ];
  for (const file of infraTextFiles(root)) {
    const text = fs.readFileSync(file, 'utf8');
    const body = file.endsWith('.bicep') ? stripComments(text) : text;
    for (const [re, what] of patterns) if (re.test(body)) problems.push(`${rel(root, file)}: ${what}`);
    if (!file.endsWith('.bicep')) continue;
    const bicep = parseBicep(file);
    // The only key read anywhere is the Functions host's blobs_extension system key, for the webhook:
    // listKeys('${site.id}/host/default', version) on a Microsoft.Web/sites resource.
    for (const m of bicep.code.matchAll(/([\w.]+)\.(list\w*)\(/g)) problems.push(`${rel(root, file)}: ${m[0]}) reads keys`);
    for (const m of bicep.code.matchAll(/(?<![.\w])(list\w*)\(\s*([^,)]*)/g)) {
      const host = /^'\$\{(\w+)\.id\}\/host\/default'$/.exec(m[2].trim());
      const site = host && bicep.resources.find((r) => r.symbol === host[1]);
      if (m[1] !== 'listKeys' || !site || site.type !== 'Microsoft.Web/sites')
        problems.push(`${rel(root, file)}: ${m[1]}(${m[2]}) reads keys of something other than the Functions host`);
    }
    for (const m of bicep.code.matchAll(/^output\s+\w+\s+\S+\s*=\s*(.*)$/gm)) {
      if (/list\w*\(|blobs_extension|blobsExtensionKey|webhookUrl|endpointUrl/.test(m[1])) problems.push(`${rel(root, file)}: output exposes a key: ${m[0]}`);
    }
    // @secure() params must not carry a default value.
    for (const m of bicep.code.matchAll(/@secure\(\)\s*\n\s*param\s+(\w+)\s+\w+\s*=/g)) problems.push(`${rel(root, file)}: secure param ${m[1]} has a default`);
  }
  return problems;
}

/** Key/value pairs of the object literals assigned to `var NAME = { ... }` in a Bicep file. */
export function varObject(bicep: BicepFile, name: string): Record<string, string> {
  const blank = blankStrings(bicep.code);
  const m = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, 'm').exec(blank);
  if (!m) return {};
  const open = m.index + m[0].length - 1;
  const obj = bicep.code.slice(open, matchBracket(blank, open) + 1);
  const out: Record<string, string> = {};
  for (const key of objectKeys(obj)) out[key] = objectProperty(obj, key) ?? '';
  return out;
}

export const REQUIRED_APP_SETTINGS = [
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'AUTOML_PROVIDER',
  'DEPLOY_TARGET',
  'AZUREML_SUBSCRIPTION_ID',
  'AZUREML_RESOURCE_GROUP',
  'AZUREML_WORKSPACE',
  'AZUREML_COMPUTE',
  'AZUREML_INSTANCE_TYPE',
  'AZUREML_INSTANCE_COUNT',
  'AZURE_CLIENT_ID',
  'EVENTGRID_TOPIC_ENDPOINT',
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'DATASETS_BLOB_SOURCE',
];

/** The function app: Flex Consumption, Node 22 (24 allowed), no always-ready, identity-based settings the app reads. */
export function checkFunctionApp(root: string): string[] {
  const problems: string[] = [];
  const api = parseBicep(path.join(root, 'infra', 'app', 'api.bicep'));
  const settings = { ...varObject(api, 'identitySettings'), ...varObject(api, 'appSettingsForAzure') };
  for (const k of REQUIRED_APP_SETTINGS) if (!(k in settings)) problems.push(`app/api.bicep: app setting ${k} is missing`);
  const expect: Record<string, string> = {
    AzureWebJobsStorage__credential: "'managedidentity'",
    AUTOML_PROVIDER: "'azureml'",
    DEPLOY_TARGET: "'azureml'",
    DATASETS_BLOB_SOURCE: "'EventGrid'",
  };
  // A value may be a param of api.bicep: then its default is what Azure gets unless azd overrides it.
  const resolved = (k: string) => api.params.find((p) => p.name === settings[k])?.defaultText ?? settings[k];
  for (const [k, v] of Object.entries(expect)) if (k in settings && resolved(k) !== v) problems.push(`app/api.bicep: ${k} is ${resolved(k)}, expected ${v}`);
  if (settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING && !/Authorization=AAD/.test(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING)) {
    problems.push('app/api.bicep: APPLICATIONINSIGHTS_AUTHENTICATION_STRING must use Authorization=AAD');
  }
  for (const k of Object.keys(settings)) {
    if (k === 'AzureWebJobsStorage') problems.push('app/api.bicep: AzureWebJobsStorage as a connection string; use the __accountName identity form');
    if (/KEY$|SECRET|PASSWORD/i.test(k)) problems.push(`app/api.bicep: setting ${k} looks like a secret`);
  }
  for (const file of bicepFiles(path.join(root, 'infra'))) {
    const code = parseBicep(file).code;
    if (/FUNCTIONS_WORKER_RUNTIME|FUNCTIONS_EXTENSION_VERSION/.test(code))
      problems.push(`${rel(root, file)}: Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME/FUNCTIONS_EXTENSION_VERSION app settings`);
  }
  const flex = parseBicep(path.join(root, 'infra', 'core', 'host', 'functions-flex.bicep'));
  const plan = flex.resources.find((r) => r.type === 'Microsoft.Web/serverfarms');
  const site = flex.resources.find((r) => r.type === 'Microsoft.Web/sites');
  if (!plan || !/name:\s*'FC1'/.test(plan.body) || !/tier:\s*'FlexConsumption'/.test(plan.body))
    problems.push('functions-flex.bicep: plan is not FC1 / FlexConsumption');
  if (!site) problems.push('functions-flex.bicep: no Microsoft.Web/sites');
  else {
    if (!/alwaysReady:\s*\[\s*\]/.test(site.body)) problems.push('functions-flex.bicep: alwaysReady must be []');
    if (!/instanceMemoryMB:\s*instanceMemoryMB/.test(site.body)) problems.push('functions-flex.bicep: instanceMemoryMB is not the parameter');
    if (!/type:\s*'UserAssigned'/.test(site.body)) problems.push('functions-flex.bicep: identity is not UserAssigned');
    if (!/type:\s*'UserAssignedIdentity'/.test(site.body)) problems.push('functions-flex.bicep: deployment storage does not authenticate with the identity');
  }
  const call = /runtimeName:\s*'(\w+)'[\s\S]*?runtimeVersion:\s*(\w+)/.exec(api.code);
  const version = api.params.find((p) => p.name === call?.[2]);
  if (!call || call[1] !== 'node' || version?.defaultText !== "'22'") {
    problems.push(`app/api.bicep: runtime is ${call ? `${call[1]} ${version?.defaultText ?? call[2]}` : 'unset'}, expected node '22' by default`);
  }
  const main = parseBicep(path.join(root, 'infra', 'main.bicep'));
  const passed = objectProperty(objectProperty(main.modules.find((m) => m.symbol === 'api')?.body ?? '{}', 'params') ?? '{}', call?.[2] ?? 'nodeVersion');
  const mainParam = main.params.find((p) => p.name === passed);
  if (!mainParam || mainParam.defaultText !== "'22'")
    problems.push(`main.bicep: the api module's Node version comes from ${passed}, whose default is ${mainParam?.defaultText}, expected '22'`);
  if (!/@allowed\(\['22', '24'\]\)\s*\n(@description\([^\n]*\)\s*\n)?param functionNodeVersion\b/.test(main.code))
    problems.push("main.bicep: functionNodeVersion must allow exactly '22' and '24'");
  return problems;
}

/** Built-in role ids (learn.microsoft.com built-in roles); a typo in an id silently grants nothing or something else. */
export const BUILTIN_ROLES: Record<string, string> = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  azureMLDataScientist: 'f6c7c914-8db3-469d-8ca1-694a8f32e121',
};

/** The function name the Event Grid webhook targets, as deployed by the hook. */
export function webhookFunctionName(root: string): string | undefined {
  const events = parseBicep(path.join(root, 'infra', 'app', 'dataset-events.bicep'));
  return events.params.find((p) => p.name === 'functionName')?.defaultText?.replace(/^'|'$/g, '');
}

/** BlobCreated of `datasets` -> /runtime/webhooks/blobs for Host.Functions.registerDataset, keyed by the blobs_extension system key. */
export function checkDatasetWebhook(root: string, functionName = 'registerDataset'): string[] {
  const problems: string[] = [];
  const file = path.join(root, 'infra', 'app', 'dataset-events.bicep');
  if (!fs.existsSync(file)) return ['infra/app/dataset-events.bicep is missing'];
  const events = parseBicep(file);
  const name = webhookFunctionName(root);
  if (name !== functionName) problems.push(`dataset-events.bicep: webhook targets '${name}', the app registers '${functionName}'`);
  const url = /var\s+webhookUrl\s*=\s*'([^']*)'/.exec(events.code)?.[1] ?? '';
  if (
    !/^https:\/\/\$\{functionApp\.properties\.defaultHostName\}\/runtime\/webhooks\/blobs\?functionName=Host\.Functions\.\$\{functionName\}&code=\$\{blobsExtensionKey\}$/.test(
      url,
    )
  ) {
    problems.push(
      `dataset-events.bicep: webhook URL '${url}' is not https://{app}/runtime/webhooks/blobs?functionName=Host.Functions.{name}&code={blobsExtensionKey}`,
    );
  }
  const key = /var\s+blobsExtensionKey\s*=\s*(.*)$/m.exec(events.code)?.[1] ?? '';
  if (!/^listKeys\('\$\{functionApp\.id\}\/host\/default', \w+\)\.systemKeys\.blobs_extension$/.test(key.trim())) {
    problems.push(`dataset-events.bicep: blobsExtensionKey is '${key}', expected listKeys('\${functionApp.id}/host/default', ...).systemKeys.blobs_extension`);
  }
  const site = events.resources.find((r) => r.symbol === 'functionApp');
  if (!site || site.type !== 'Microsoft.Web/sites' || !site.existing) problems.push('dataset-events.bicep: functionApp is not an existing Microsoft.Web/sites');
  const sub = events.resources.find((r) => r.type === 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
  if (!sub) problems.push('dataset-events.bicep: no system topic event subscription');
  else {
    if (!/endpointUrl:\s*webhookUrl/.test(sub.body)) problems.push('dataset-events.bicep: subscription does not deliver to webhookUrl');
    if (!/endpointType:\s*'WebHook'/.test(sub.body)) problems.push('dataset-events.bicep: destination is not a WebHook');
    if (!/includedEventTypes:\s*\[\s*'Microsoft\.Storage\.BlobCreated'\s*\]/.test(sub.body))
      problems.push('dataset-events.bicep: filter is not BlobCreated only');
    if (!/subjectBeginsWith:\s*'\/blobServices\/default\/containers\/\$\{datasetsContainerName\}\/blobs\/'/.test(sub.body))
      problems.push('dataset-events.bicep: subject filter is not the datasets container');
  }
  const container = events.params.find((p) => p.name === 'datasetsContainerName')?.defaultText;
  if (container !== "'datasets'") problems.push(`dataset-events.bicep: datasetsContainerName defaults to ${container}, expected 'datasets'`);
  // The hook must deploy this file and must not retarget another function.
  for (const hook of ['postdeploy.sh', 'postdeploy.ps1']) {
    const p = path.join(root, 'infra', 'hooks', hook);
    if (!fs.existsSync(p)) {
      problems.push(`infra/hooks/${hook} is missing`);
      continue;
    }
    const src = fs.readFileSync(p, 'utf8');
    if (!/app[/\\]dataset-events\.bicep/.test(src)) problems.push(`infra/hooks/${hook}: does not deploy app/dataset-events.bicep`);
    if (/functionName=/.test(src)) problems.push(`infra/hooks/${hook}: overrides functionName; the default in dataset-events.bicep is the contract`);
  }
  // The system topic exists on the app's storage account, and the container is one that is created.
  const main = parseBicep(path.join(root, 'infra', 'main.bicep'));
  if (!/storageAccountId:\s*storage\.outputs\.resourceId/.test(main.modules.find((m) => m.symbol === 'datasetsSystemTopic')?.body ?? '')) {
    problems.push('main.bicep: the datasets system topic is not on the app storage account');
  }
  if (!/var\s+datasetsContainerName\s*=\s*'datasets'/.test(main.code)) problems.push("main.bicep: datasetsContainerName is not 'datasets'");
  const containers = objectProperty(main.modules.find((m) => m.symbol === 'storage')?.body ?? '{}', 'params');
  const created = containers ? (objectProperty(containers, 'containers') ?? '') : '';
  for (const c of ['datasetsContainerName', 'registryContainerName']) {
    if (!new RegExp(`\\b${c}\\b`).test(created)) problems.push(`main.bicep: the storage module does not create the ${c} container`);
  }
  return problems;
}

/**
 * The app setting that chooses the blob trigger source (e.g. DATASETS_BLOB_SOURCE): read in
 * functions/datasets.ts itself, or (the app's way) the setting of src/app/settings.ts whose values
 * include EventGrid, which functions/datasets.ts passes as `source`.
 */
export function appBlobSourceSetting(root: string): string | undefined {
  const file = path.join(root, 'functions', 'datasets.ts');
  if (!fs.existsSync(file)) return undefined;
  const direct = /process\.env\.(\w+)[^;\n]*['"]eventgrid['"]/i.exec(fs.readFileSync(file, 'utf8'))?.[1];
  if (direct) return direct;
  const settings = path.join(root, 'src', 'app', 'settings.ts');
  if (!fs.existsSync(settings) || !/source:\s*cfg\.datasets\.blobSource/.test(fs.readFileSync(file, 'utf8'))) return undefined;
  return /name: '(\w+)'[^\n]*values: \[[^\]]*'EventGrid'/.exec(fs.readFileSync(settings, 'utf8'))?.[1];
}

/** The value infra/app/api.bicep gives an app setting, as Bicep source text (e.g. "'EventGrid'"). */
export function appSettingValue(root: string, name: string): string | undefined {
  const api = parseBicep(path.join(root, 'infra', 'app', 'api.bicep'));
  return { ...varObject(api, 'identitySettings'), ...varObject(api, 'appSettingsForAzure') }[name];
}

/** Does functions/datasets.ts register a blob-triggered function with this name? undefined when the file is absent. */
export function appRegistersBlobFunction(root: string, name: string): boolean | undefined {
  const file = path.join(root, 'functions', 'datasets.ts');
  if (!fs.existsSync(file)) return undefined;
  const src = fs.readFileSync(file, 'utf8');
  return new RegExp(`app\\.storageBlob\\(\\s*['"\`]${name}['"\`]`).test(src);
}
