/**
 * The model routes (list, select, catalogue, pull) in front of the panel's FakeServer: requests are checked
 * with the shared schemas; each status poll of a running download moves it on by a third.
 */
import { modelSelectRequestSchema, pullRequestSchema, type CatalogAlias, type ModelSummary, type PullState } from '../../../../shared/src';
import type { FakeServer } from './server';

export const SD15: CatalogAlias = {
  alias: 'sd15',
  title: 'Stable Diffusion 1.5',
  repo: 'onnx-community/stable-diffusion-v1-5-ONNX',
  commit: '90ff1f1',
  bytes: 4_270_000_000,
  license: 'creativeml-openrail-m',
  licenseUrl: 'https://huggingface.co/spaces/CompVis/stable-diffusion-license',
  permissive: false,
  precision: 'fp32',
  providers: ['cpu', 'dml'],
  default: true,
  installed: null,
};

function respond(status: number, body: unknown): Response {
  const text = JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name: string) => (name.toLowerCase() === 'content-type' ? 'application/json' : null) },
    json: async () => JSON.parse(text),
    arrayBuffer: async () => new ArrayBuffer(0),
  } as unknown as Response;
}

const error = (status: number, code: string, message: string) => respond(status, { error: { code, message } });

export class FakeModelDownloads {
  models: ModelSummary[] = [{ name: 'tiny-model', demo: true, active: true }];
  current = 'tiny-model';
  pull: PullState | null = null;
  /** Bodies of POST /v1/models/pull and /v1/models/select, as the panel sent them. */
  readonly pullRequests: unknown[] = [];
  readonly selectRequests: unknown[] = [];
  /** A running download stays where it is until cancelled. */
  hold = false;

  constructor(private readonly server: FakeServer) {}

  readonly fetch = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    const { pathname } = new URL(url);
    if (!pathname.startsWith('/v1/models')) return this.server.fetch(url, init);
    if (method === 'GET' && pathname === '/v1/models') return respond(200, { models: this.models, current: this.current, loading: null });
    if (method === 'POST' && pathname === '/v1/models/select') {
      const body = JSON.parse(String(init.body));
      this.selectRequests.push(body);
      const { name } = modelSelectRequestSchema.parse(body);
      const found = this.models.find((m) => m.name === name);
      if (!found) return error(404, 'UNKNOWN_MODEL', `no model named "${name}"`);
      this.current = name;
      this.models = this.models.map((m) => ({ ...m, active: m.name === name }));
      return respond(200, { current: name, demo: found.demo });
    }
    if (method === 'GET' && pathname === '/v1/models/catalog') {
      const installed = this.models.some((m) => m.name === 'sd15') ? 'sd15' : null;
      return respond(200, { modelsDir: '/home/r/InsaneRes/models', aliases: [{ ...SD15, installed }], pull: this.pull });
    }
    if (method === 'POST' && pathname === '/v1/models/pull') {
      const body = JSON.parse(String(init.body));
      this.pullRequests.push(body);
      const parsed = pullRequestSchema.safeParse(body);
      if (!parsed.success) return error(400, 'INVALID_REQUEST', parsed.error.message);
      if (parsed.data.alias === 'sd15' && !parsed.data.acceptLicense) return error(400, 'INVALID_REQUEST', 'the licence must be accepted');
      if (this.pull?.state === 'running') return error(409, 'PULL_BUSY', 'a download is already under way');
      this.pull = { id: 'pull1', spec: 'sd15', state: 'running', phase: 'resolving', file: null, fileIndex: 0, fileCount: 0, bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, etaSeconds: null, model: null, error: null };
      return respond(202, this.pull);
    }
    const job = /^\/v1\/models\/pull\/([\w-]+)$/.exec(pathname);
    if (job) {
      if (!this.pull || this.pull.id !== job[1]) return error(404, 'UNKNOWN_JOB', 'no such download');
      if (method === 'DELETE') {
        if (this.pull.state === 'running') this.pull = { ...this.pull, state: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled' } };
        return respond(200, this.pull);
      }
      return respond(200, this.advance());
    }
    return error(404, 'NOT_FOUND', `no route ${method} ${pathname}`);
  };

  private advance(): PullState {
    const p = this.pull!;
    if (p.state !== 'running' || this.hold && p.bytesDone > 0) return p;
    const total = SD15.bytes;
    const bytesDone = Math.min(total, p.bytesDone + total / 3);
    this.pull = { ...p, phase: 'downloading', file: 'unet/weights.pb', fileIndex: 9, fileCount: 12, bytesDone, bytesTotal: total, bytesPerSecond: 50_000_000, etaSeconds: Math.round((total - bytesDone) / 50_000_000) };
    if (bytesDone >= total) {
      this.models = [...this.models, { name: 'sd15', demo: false, active: false }];
      this.pull = { ...this.pull, state: 'done', phase: 'done', model: 'sd15', etaSeconds: 0 };
    }
    return this.pull;
  }
}
