// The generated OpenAPI 3.0 document: structure (every $ref resolves, operations, responses, security),
// the 20 bank input fields, and its schemas compiled with ajv accept its own examples and real rows and
// reject rows with missing or mistyped fields.
import Ajv from 'ajv';
import { exportOnnx } from '../../src/automl/onnx';
import { buildOpenApi } from '../../src/contract/openapi';
import { exampleRow, inputSchemaFromOnnx, InputSchema } from '../../src/contract/schema';
import { swaggerUiAsset, swaggerUiHtml } from '../../src/scoring/swaggerUi';
import { BANK_CATEGORIES, BANK_COLUMNS, bankLikeBinaryPipeline, bankLikeRows } from '../support/pipelines';

const hints = {
  target: 'y',
  fields: {
    age: { example: 41, min: 17, max: 98 },
    job: { example: 'technician', values: BANK_CATEGORIES.job },
    duration: { example: 258, min: 0, max: 4918, description: 'Call duration in seconds' },
  },
};
const schema: InputSchema = inputSchemaFromOnnx(exportOnnx(bankLikeBinaryPipeline({ trees: 5 })), hints);
const doc = buildOpenApi(schema, {
  auth: 'functionKey',
  proxy: true,
  serverUrl: 'http://127.0.0.1:7071/api',
  modelName: 'bank',
  modelVersion: 3,
  maxRows: 1000,
}) as any;

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<any>((n, k) => (n === undefined ? undefined : n[k]), doc);
}

/** ajv over the document's component schemas (OpenAPI 3.0 schema objects: `nullable`, `example`, x-*). */
function validator(name: string) {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'doc', components: doc.components });
  return ajv.compile({ $ref: `doc#/components/schemas/${name}` });
}

describe('OpenAPI document structure', () => {
  test('is OpenAPI 3.0 with info, servers, the score operation and the components it needs', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info).toMatchObject({ title: expect.stringContaining('bank v3'), version: '3' });
    expect(doc.info['x-classes']).toEqual(['no', 'yes']);
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:7071/api' }]);
    const op = doc.paths['/score'].post;
    expect(op.operationId).toBe('score');
    expect(op.requestBody.required).toBe(true);
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '404', '413', '502', '503', '504']);
    for (const r of Object.values<any>(op.responses)) expect(typeof r.description).toBe('string');
    expect(doc.paths['/']).toBeUndefined(); // health is documented only for deployments
  });

  test('every $ref resolves', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(resolve(ref)).toBeDefined();
  });

  test('the key is a security scheme (function key in header or query) that the operation requires', () => {
    expect(doc.components.securitySchemes.functionKey).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-functions-key' }));
    expect(doc.components.securitySchemes.functionKeyQuery).toEqual(expect.objectContaining({ type: 'apiKey', in: 'query', name: 'code' }));
    for (const req of doc.paths['/score'].post.security) for (const k of Object.keys(req)) expect(doc.components.securitySchemes[k]).toBeDefined();
    const bearer = buildOpenApi(schema, { auth: 'bearer', health: true }) as any;
    expect(bearer.components.securitySchemes.bearerKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(bearer.paths['/'].get.security).toEqual([]);
  });

  test('lists the 20 input fields with types, examples from the profile and known categories', () => {
    const row = doc.components.schemas.InputRow;
    expect(Object.keys(row.properties)).toEqual(BANK_COLUMNS);
    expect(row.required).toEqual(BANK_COLUMNS);
    expect(row.properties.age).toMatchObject({ type: 'number', nullable: true, example: 41 });
    expect(row.properties.age.description).toContain('min 17');
    expect(row.properties.job).toMatchObject({ type: 'string', example: 'technician' });
    expect(row.properties.job['x-known-values']).toEqual([...BANK_CATEGORIES.job].sort());
    expect(row.properties.duration.description).toContain('Call duration in seconds');
    expect(row.example).toEqual(exampleRow(schema));
    expect(row.example.age).toBe(41);
  });

  test('documents the three request shapes and predict_proba with the class order', () => {
    const examples = doc.paths['/score'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).toEqual(['v1', 'v2_predict', 'v2_predict_proba', 'mlflow']);
    expect(examples.mlflow.value.input_data.columns).toEqual(BANK_COLUMNS);
    expect(doc.components.schemas.Probabilities).toMatchObject({ minItems: 2, maxItems: 2, 'x-classes': ['no', 'yes'] });
    expect(doc.components.schemas.Probabilities.description).toContain('"no", "yes"');
    expect(doc.components.schemas.Label.enum).toEqual(['no', 'yes']);
  });
});

describe('OpenAPI schemas validate with ajv', () => {
  test('the request examples match ScoreRequest (each exactly one shape) and the response examples ScoreResponse', () => {
    const req = validator('ScoreRequest');
    for (const ex of Object.values<any>(doc.paths['/score'].post.requestBody.content['application/json'].examples)) {
      expect(req(ex.value)).toBe(true);
    }
    const res = validator('ScoreResponse');
    for (const ex of Object.values<any>(doc.paths['/score'].post.responses['200'].content['application/json'].examples)) {
      expect(res(ex.value)).toBe(true);
    }
    const err = validator('Error');
    for (const code of ['400', '401', '404', '413', '502', '503', '504']) {
      expect(err(doc.paths['/score'].post.responses[code].content['application/json'].example)).toBe(true);
    }
  });

  test('real rows with nulls validate; rows with a missing or mistyped field do not', () => {
    const row = validator('InputRow');
    const rows = bankLikeRows(50, 3).map((r) =>
      Object.fromEntries(BANK_COLUMNS.map((c) => [c, r[c] === undefined || (typeof r[c] === 'number' && Number.isNaN(r[c])) ? null : r[c]])),
    );
    // CSV-style numeric strings are accepted by the server but documented as numbers: send numbers.
    const typed = rows.map((r) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === 'string' && schema.fields.find((f) => f.name === k)!.kind === 'numeric' ? (v === '' ? null : Number(v)) : v,
        ]),
      ),
    );
    for (const r of typed) expect(row(r)).toBe(true);
    const { age: _a, ...missing } = typed[0];
    expect(row(missing)).toBe(false);
    expect(row({ ...typed[0], job: 3 })).toBe(false);
    expect(validator('V1Request')({ data: [] })).toBe(false);
    expect(validator('V2Request')({ Inputs: { data: [typed[0]] }, GlobalParameters: { method: 'explain' } })).toBe(false);
  });
});

describe('Swagger UI page', () => {
  test('points the bundled UI at the spec URL, with assets from swagger-ui-dist and no CDN', () => {
    const html = swaggerUiHtml({ specUrl: '/api/swagger.json', assetBase: '/api/docs/', title: 'Bank <scoring>' });
    expect(html).toContain('"url":"/api/swagger.json"');
    expect(html).toContain('src="/api/docs/swagger-ui-bundle.js"');
    expect(html).toContain('href="/api/docs/swagger-ui.css"');
    expect(html).toContain('<title>Bank &lt;scoring&gt;</title>');
    expect(html).not.toMatch(/https?:\/\//);
    const nasty = swaggerUiHtml({ specUrl: '</script><script>alert(1)</script>', assetBase: '/d' });
    expect(nasty).not.toContain('</script><script>alert(1)');
  });

  test('serves only the allowlisted assets', () => {
    const bundle = swaggerUiAsset('swagger-ui-bundle.js');
    expect(bundle?.contentType).toMatch(/javascript/);
    expect(bundle!.body.length).toBeGreaterThan(100000);
    expect(swaggerUiAsset('swagger-ui.css')?.contentType).toMatch(/css/);
    expect(swaggerUiAsset('../package.json')).toBeUndefined();
    expect(swaggerUiAsset('package.json')).toBeUndefined();
    expect(swaggerUiAsset('constructor')).toBeUndefined();
  });
});
