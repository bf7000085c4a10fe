/**
 * `GET /v1/openapi.json`: OpenAPI 3.1 generated from the shared zod schemas (z.toJSONSchema), so the
 * document cannot drift from the validation. Requests are described as accepted (defaults optional),
 * responses as sent (every field present).
 */
import { z } from 'zod';
import * as P from '../../../shared/src';

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema;
  return generated;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const COMPONENTS: Record<string, [z.ZodType, 'input' | 'output']> = {
  Error: [P.errorResponseSchema, 'output'],
  Health: [P.healthResponseSchema, 'output'],
  Models: [P.modelsResponseSchema, 'output'],
  ModelSelectRequest: [P.modelSelectRequestSchema, 'input'],
  ModelSelectResponse: [P.modelSelectResponseSchema, 'output'],
  ImageUploadResponse: [P.imageUploadResponseSchema, 'output'],
  JobCreateRequest: [P.jobCreateRequestSchema, 'input'],
  JobCreateResponse: [P.jobCreateResponseSchema, 'output'],
  JobStatus: [P.jobStatusSchema, 'output'],
  HistoryEntry: [P.historyEntrySchema, 'output'],
  HistoryList: [P.historyListResponseSchema, 'output'],
  ModelCatalog: [P.modelCatalogResponseSchema, 'output'],
  PullRequest: [P.pullRequestSchema, 'input'],
  PullState: [P.pullStateSchema, 'output'],
};

/** Query parameters from an object schema's fields. */
function queryParameters(schema: z.ZodObject): JsonSchema[] {
  return Object.entries(schema.shape).map(([name, field]) => ({
    name,
    in: 'query',
    required: !(field as z.ZodType).safeParse(undefined).success,
    schema: schemaOf(field as z.ZodType, 'input'),
  }));
}

const idParam = (what: string): JsonSchema => ({ name: 'id', in: 'path', required: true, description: what, schema: { type: 'string' } });

function jsonResponse(description: string, component: string): JsonSchema {
  return { description, content: { 'application/json': { schema: ref(component) } } };
}

/** Every error response: the codes of the shared list, one JSON shape. */
const errors = (...statuses: number[]): Record<string, JsonSchema> =>
  Object.fromEntries(
    statuses.map((status) => {
      const codes = P.ERROR_CODES.filter((code) => P.ERROR_STATUS[code] === status);
      return [String(status), jsonResponse(`error: ${codes.join(', ')}`, 'Error')];
    }),
  );

const imageContent = {
  'image/png': { schema: { type: 'string', format: 'binary' } },
  'application/octet-stream': {
    schema: { type: 'string', format: 'binary' },
    description: `raw RGBA, 8-bit or 16-bit little-endian; size in the ${Object.values(P.RAW_HEADERS).join(', ')} headers`,
  },
};

const jsonBody = (component: string): JsonSchema => ({
  required: true,
  content: { 'application/json': { schema: ref(component) } },
});

export function buildOpenApi(version: string): object {
  const schemas = Object.fromEntries(Object.entries(COMPONENTS).map(([name, [schema, io]]) => [name, schemaOf(schema, io)]));
  const common = errors(400, 401, 403, 421);
  return {
    openapi: '3.1.0',
    info: {
      title: 'InsaneRes local server',
      version,
      description: 'Stable Diffusion 1.5 img2img refine and tiled upscale for the InsaneRes Photoshop panel.',
    },
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'only when started with --token' } },
    },
    security: [{}, { bearer: [] }],
    paths: {
      [P.apiPaths.health]: { get: { summary: 'Version, model, device, queue, demo flag, limits', responses: { 200: jsonResponse('health', 'Health'), ...common } } },
      [P.apiPaths.models]: { get: { summary: 'Models available', responses: { 200: jsonResponse('models', 'Models'), ...common } } },
      [P.apiPaths.modelSelect]: {
        post: {
          summary: 'Switch the model; answers once it is loaded (queued jobs wait for it)',
          requestBody: jsonBody('ModelSelectRequest'),
          responses: { 200: jsonResponse('loaded', 'ModelSelectResponse'), ...common, ...errors(404, 415, 500, 503) },
        },
      },
      [P.apiPaths.images]: {
        post: {
          summary: 'Upload an image: PNG, or raw RGBA (application/octet-stream) with ?width=&height=&bitDepth=',
          parameters: queryParameters(P.rawImageQuerySchema).map((p) => ({ ...p, required: false })),
          requestBody: { required: true, content: imageContent },
          responses: { 201: jsonResponse('stored', 'ImageUploadResponse'), ...common, ...errors(413, 415) },
        },
      },
      [P.apiPaths.jobs]: {
        post: {
          summary: 'Queue an img2img or upscale job',
          requestBody: jsonBody('JobCreateRequest'),
          responses: { 202: jsonResponse('queued', 'JobCreateResponse'), ...common, ...errors(404, 413, 415, 429, 503) },
        },
      },
      [P.apiPaths.job('{id}')]: {
        get: { summary: 'Job status', parameters: [idParam('job id')], responses: { 200: jsonResponse('status', 'JobStatus'), ...common, ...errors(404) } },
        delete: {
          summary: 'Cancel: a queued job is removed, a running one stops before its next step',
          parameters: [idParam('job id')],
          responses: { 200: jsonResponse('status after the request', 'JobStatus'), ...common, ...errors(404) },
        },
      },
      [P.apiPaths.jobEvents('{id}')]: {
        get: {
          summary: `Server-Sent Events: "${P.JOB_EVENT_NAME}" events whose data is a JobStatus; ends at done/failed/cancelled`,
          parameters: [idParam('job id')],
          responses: { 200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...common, ...errors(404) },
        },
      },
      [P.apiPaths.jobPreview('{id}')]: {
        get: {
          summary: 'Latest preview while running (PNG)',
          parameters: [idParam('job id')],
          responses: { 200: { description: 'preview', content: { 'image/png': imageContent['image/png'] } }, ...common, ...errors(404) },
        },
      },
      [P.apiPaths.jobResult('{id}')]: {
        get: {
          summary: 'The result: PNG, or raw RGBA with Accept: application/octet-stream',
          parameters: [idParam('job id')],
          responses: { 200: { description: 'result', content: imageContent }, ...common, ...errors(404, 406, 409) },
        },
      },
      [P.apiPaths.history]: {
        get: {
          summary: 'Every finished result, newest first',
          parameters: queryParameters(P.historyQuerySchema),
          responses: { 200: jsonResponse('a page of history', 'HistoryList'), ...common },
        },
      },
      [P.apiPaths.historyImage('{id}')]: {
        get: {
          summary: 'A history entry\'s image: PNG, or raw RGBA with Accept: application/octet-stream; ?maxSide=N gives a PNG thumbnail',
          parameters: [idParam('history id'), ...queryParameters(P.historyImageQuerySchema)],
          responses: { 200: { description: 'image', content: imageContent }, ...common, ...errors(404, 406) },
        },
      },
      [P.modelDownloadPaths.catalog]: {
        get: { summary: 'Models that can be downloaded (aliases): size, licence, providers, whether installed', responses: { 200: jsonResponse('catalogue', 'ModelCatalog'), ...common, ...errors(503) } },
      },
      [P.modelDownloadPaths.pull]: {
        post: {
          summary: 'Download a model from the Hugging Face Hub (an alias or owner/name[@revision]); one at a time',
          requestBody: jsonBody('PullRequest'),
          responses: { 202: jsonResponse('started', 'PullState'), ...common, ...errors(409, 415, 503) },
        },
      },
      [P.modelDownloadPaths.pullJob('{id}')]: {
        get: { summary: 'A download\'s state: bytes, rate, ETA, file i/N', parameters: [idParam('download id')], responses: { 200: jsonResponse('state', 'PullState'), ...common, ...errors(404) } },
        delete: { summary: 'Cancel a download (what arrived is kept for the next try)', parameters: [idParam('download id')], responses: { 200: jsonResponse('state', 'PullState'), ...common, ...errors(404) } },
      },
      [P.modelDownloadPaths.pullEvents('{id}')]: {
        get: {
          summary: `Server-Sent Events: "${P.PULL_EVENT_NAME}" events whose data is a PullState; ends at done/failed/cancelled`,
          parameters: [idParam('download id')],
          responses: { 200: { description: 'event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...common, ...errors(404) },
        },
      },
      [P.apiPaths.openapi]: { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
