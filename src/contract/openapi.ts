/**
 * OpenAPI 3.0 document of a scoring API, generated from the input schema: the three request shapes
 * (with examples from the dataset profile), the responses (class labels / per-class probabilities in
 * the documented class order), the errors and the key. Used for a deployment's GET /swagger.json
 * (Bearer key) and for the proxy's GET /api/swagger.json (function key).
 */
import { exampleRow, InputField, InputSchema } from './schema';
import { DEFAULT_MAX_ROWS } from './request';

export interface OpenApiOptions {
  title?: string;
  description?: string;
  /** Base URL of the server, e.g. http://127.0.0.1:7071/api; omitted when unknown. */
  serverUrl?: string;
  /** Path of the scoring operation relative to the server: '/score'. */
  scorePath?: string;
  /** 'bearer': Authorization: Bearer <key> (a deployment). 'functionKey': x-functions-key or ?code= (the proxy). */
  auth: 'bearer' | 'functionKey';
  modelName?: string;
  modelVersion?: string | number;
  /** Document GET / (the deployment's liveness probe). */
  health?: boolean;
  /** Document the errors only a proxy answers (502/503/504). */
  proxy?: boolean;
  maxRows?: number;
  maxBodyBytes?: number;
}

type Json = Record<string, unknown>;

function fieldSchema(f: InputField): Json {
  const s: Json = { type: f.kind === 'numeric' ? 'number' : 'string', nullable: true };
  const notes: string[] = [];
  if (f.description) notes.push(f.description);
  if (f.kind === 'numeric') {
    notes.push('Numeric; null = missing (imputed by the model).');
    if (f.min !== undefined) notes.push(`Seen in training: min ${f.min}`);
    if (f.max !== undefined) notes.push(`max ${f.max}`);
  } else {
    notes.push("Categorical; null or '' = missing.");
    if (f.values?.length) {
      notes.push(`Known values: ${f.values.join(', ')} (others are accepted and treated as unseen).`);
      s['x-known-values'] = f.values;
    }
  }
  s.description = notes.join(' ');
  if (f.example !== undefined) s.example = f.kind === 'numeric' ? Number(f.example) : String(f.example);
  return s;
}

export function buildOpenApi(schema: InputSchema, opts: OpenApiOptions): Json {
  const scorePath = opts.scorePath ?? '/score';
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  const names = schema.fields.map((f) => f.name);
  const row = exampleRow(schema);
  const rowValues = names.map((n) => row[n]);
  const classification = schema.task === 'classification';
  const classes = schema.classes;
  const model = opts.modelName ? `${opts.modelName}${opts.modelVersion !== undefined ? ` v${opts.modelVersion}` : ''}` : 'the model';
  const classNote = classification && classes.length ? `Classes, in probability order: ${classes.map((c) => JSON.stringify(c)).join(', ')}.` : '';

  const label: Json = classification
    ? { type: 'string', description: 'Predicted class.', ...(classes.length ? { enum: classes } : {}) }
    : { type: 'number', description: 'Predicted value.' };
  const probabilities: Json = {
    type: 'array',
    items: { type: 'number', minimum: 0, maximum: 1 },
    description: `Probability of each class for one row. ${classNote}`.trim(),
    ...(classes.length ? { minItems: classes.length, maxItems: classes.length, 'x-classes': classes } : {}),
  };
  const exampleLabel = classification ? (classes[0] ?? 'class') : 0;
  const exampleProbs = classes.length ? classes.map((_, k) => Number((k === 0 ? 0.9 : 0.1 / (classes.length - 1)).toFixed(4))) : [1];
  const rowsSchema = { type: 'array', minItems: 1, maxItems: maxRows, items: { $ref: '#/components/schemas/InputRow' } };

  const schemas: Json = {
    InputRow: {
      type: 'object',
      description:
        `One row: a value for each of the ${names.length} input fields of ${model}.` +
        (schema.target ? ` The target '${schema.target}' may be sent and is ignored.` : ''),
      required: names,
      properties: Object.fromEntries(schema.fields.map((f) => [f.name, fieldSchema(f)])),
      example: row,
    },
    V1Request: {
      type: 'object',
      description: 'Azure ML v1 (ACI) shape.',
      required: ['data'],
      properties: { data: rowsSchema },
    },
    V2Request: {
      type: 'object',
      description: 'Azure AutoML v2 shape; GlobalParameters.method chooses labels or class probabilities.',
      required: ['Inputs'],
      properties: {
        Inputs: { type: 'object', required: ['data'], properties: { data: rowsSchema } },
        GlobalParameters: {
          type: 'object',
          properties: { method: { type: 'string', enum: ['predict', 'predict_proba'], default: 'predict' } },
        },
      },
    },
    MlflowRequest: {
      type: 'object',
      description: 'MLflow split-orient shape (Azure ML MLflow deployments).',
      required: ['input_data'],
      properties: {
        input_data: {
          type: 'object',
          required: ['columns', 'data'],
          properties: {
            columns: { type: 'array', items: { type: 'string', enum: schema.target ? [...names, schema.target] : names } },
            index: { type: 'array', items: {} },
            data: {
              type: 'array',
              minItems: 1,
              maxItems: maxRows,
              items: { type: 'array', description: 'One value (number, string or null) per column, in column order.', items: {} },
            },
          },
        },
      },
    },
    ScoreRequest: {
      oneOf: [{ $ref: '#/components/schemas/V1Request' }, { $ref: '#/components/schemas/V2Request' }, { $ref: '#/components/schemas/MlflowRequest' }],
    },
    Label: label,
    Probabilities: probabilities,
    V1Response: { type: 'object', required: ['result'], properties: { result: { type: 'array', items: { $ref: '#/components/schemas/Label' } } } },
    V2Response: {
      type: 'object',
      required: ['Results'],
      properties: {
        Results: {
          description: `predict: one label per row; predict_proba: one array of class probabilities per row. ${classNote}`.trim(),
          oneOf: [
            { type: 'array', items: { $ref: '#/components/schemas/Label' } },
            { type: 'array', items: { $ref: '#/components/schemas/Probabilities' } },
          ],
        },
      },
    },
    MlflowResponse: {
      type: 'object',
      required: ['predictions'],
      properties: { predictions: { type: 'array', items: { $ref: '#/components/schemas/Label' } } },
    },
    ScoreResponse: {
      oneOf: [{ $ref: '#/components/schemas/V1Response' }, { $ref: '#/components/schemas/V2Response' }, { $ref: '#/components/schemas/MlflowResponse' }],
    },
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', description: 'Stable error code.' },
            message: { type: 'string' },
            fields: { type: 'array', items: { type: 'string' }, description: 'The fields at fault.' },
            details: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  row: { type: 'integer' },
                  field: { type: 'string' },
                  problem: { type: 'string', enum: ['missing', 'mistyped', 'unknown'] },
                  expected: { type: 'string' },
                  got: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };

  const errorResponse = (description: string, code: string, message: string, extra: Json = {}) => ({
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { error: { code, message, ...extra } } } },
  });
  const firstName = names[0];
  const responses: Json = {
    '200': {
      description: 'Predictions, one per row, in the envelope of the request shape.',
      headers: {
        'x-model-name': { schema: { type: 'string' }, description: 'Name of the model that answered.' },
        'x-model-version': { schema: { type: 'string' }, description: 'Version of the model that answered.' },
      },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ScoreResponse' },
          examples: {
            v1: { summary: 'v1: labels', value: { result: [exampleLabel] } },
            v2_predict: { summary: 'v2 predict: labels', value: { Results: [exampleLabel] } },
            ...(schema.hasProbabilities ? { v2_predict_proba: { summary: `v2 predict_proba: ${classNote}`, value: { Results: [exampleProbs] } } } : {}),
            mlflow: { summary: 'MLflow: labels', value: { predictions: [exampleLabel] } },
          },
        },
      },
    },
    '400': errorResponse('The body is not a valid request; `fields` names the fields at fault.', 'INVALID_FIELDS', `1 problem(s) with field(s): ${firstName}`, {
      fields: [firstName],
      details: [{ row: 0, field: firstName, problem: 'missing', expected: schema.fields[0].kind }],
    }),
    '401': errorResponse('Missing or wrong key.', 'unauthorized', 'a valid key is required'),
    '413': errorResponse(
      `The body is larger than ${opts.maxBodyBytes ? `${opts.maxBodyBytes} bytes` : 'the limit'} or has more than ${maxRows} rows.`,
      'BODY_TOO_LARGE',
      'the request body is too large',
    ),
  };
  if (opts.proxy) {
    responses['404'] = errorResponse(
      'The deployment named in azureml-model-deployment is not running.',
      'DEPLOYMENT_NOT_FOUND',
      "no running deployment 'name'",
    );
    responses['502'] = errorResponse('The model deployment could not be reached or failed.', 'UPSTREAM_UNAVAILABLE', 'the model deployment is unreachable');
    responses['503'] = errorResponse('No model is deployed yet.', 'NO_MODEL', 'no model is deployed');
    responses['504'] = errorResponse('The model deployment did not answer in time.', 'UPSTREAM_TIMEOUT', 'the model deployment did not answer in time');
  }

  const securitySchemes: Json =
    opts.auth === 'bearer'
      ? { bearerKey: { type: 'http', scheme: 'bearer', description: "The deployment's primary or secondary key: `Authorization: Bearer <key>`." } }
      : {
          functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key', description: 'A function key of the app.' },
          functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code', description: 'The function key as a query parameter.' },
        };
  const security = opts.auth === 'bearer' ? [{ bearerKey: [] }] : [{ functionKey: [] }, { functionKeyQuery: [] }];

  const paths: Json = {
    [scorePath]: {
      post: {
        operationId: 'score',
        summary: `Score rows with ${model}`,
        description:
          "Send a batch of rows in one of three shapes (Azure ML v1, AutoML v2, MLflow); the answer uses the same shape's envelope. " +
          'All rows of a request are scored in one model run. ' +
          classNote,
        security,
        ...(opts.proxy
          ? {
              parameters: [
                {
                  name: 'azureml-model-deployment',
                  in: 'header',
                  required: false,
                  schema: { type: 'string' },
                  description: 'Score with this deployment instead of the champion (as on an Azure ML endpoint), e.g. to try a challenger.',
                },
              ],
            }
          : {}),
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { $ref: '#/components/schemas/ScoreRequest' },
              examples: {
                v1: { summary: 'v1 (ACI): {"data": [rows]}', value: { data: [row] } },
                v2_predict: { summary: 'AutoML v2, predict', value: { Inputs: { data: [row] }, GlobalParameters: { method: 'predict' } } },
                ...(schema.hasProbabilities
                  ? {
                      v2_predict_proba: {
                        summary: 'AutoML v2, predict_proba',
                        value: { Inputs: { data: [row] }, GlobalParameters: { method: 'predict_proba' } },
                      },
                    }
                  : {}),
                mlflow: { summary: 'MLflow split orient', value: { input_data: { columns: names, index: [0], data: [rowValues] } } },
              },
            },
          },
        },
        responses,
      },
    },
  };
  if (opts.health) {
    paths['/'] = {
      get: {
        operationId: 'health',
        summary: 'Liveness probe',
        security: [],
        responses: { '200': { description: 'The deployment is up.', content: { 'text/plain': { schema: { type: 'string' }, example: 'Healthy' } } } },
      },
    };
  }

  const doc: Json = {
    openapi: '3.0.3',
    info: {
      title: opts.title ?? `Scoring API: ${model}`,
      version: String(opts.modelVersion ?? '1'),
      description:
        (opts.description ? `${opts.description}\n\n` : '') + `Predictions from ${model} (${schema.task}). ${classNote} Input fields: ${names.length}.`,
    },
    paths,
    components: { schemas, securitySchemes },
  };
  if (opts.serverUrl) doc.servers = [{ url: opts.serverUrl }];
  if (classes.length) (doc.info as Json)['x-classes'] = classes;
  return doc;
}
