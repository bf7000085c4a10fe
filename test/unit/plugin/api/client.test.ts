import { ApiError } from '../../../../shared/src';
import { ApiClient, ServerUnreachableError, type EventSourceLike } from '../../../../plugin/src/api/client';
import { dataUrl, decodeRaw, encodeRaw, toBase64 } from '../../../../plugin/src/api/raw';
import { FakeServer } from '../fakes/server';

describe('raw RGBA on the wire', () => {
  it('writes 16-bit samples little-endian and reads them back', () => {
    const image = { width: 1, height: 1, bitDepth: 16 as const, data: new Uint16Array([0x0102, 0xfffe, 0, 65535]) };
    const bytes = encodeRaw(image);
    expect(Array.from(bytes)).toEqual([0x02, 0x01, 0xfe, 0xff, 0, 0, 0xff, 0xff]);
    expect(Array.from(decodeRaw(bytes, 1, 1, 16).data)).toEqual([0x0102, 0xfffe, 0, 65535]);
  });

  it('checks sizes both ways', () => {
    expect(() => encodeRaw({ width: 2, height: 1, bitDepth: 8, data: new Uint8Array(4) })).toThrow('2×1×4 = 8 expected');
    expect(() => decodeRaw(new Uint8Array(7), 1, 1, 16)).toThrow('needs 8');
  });

  it('encodes base64 like Node does', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 37 + 11) & 255);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    }
    expect(dataUrl(new Uint8Array([1, 2, 3]), 'image/png')).toBe('data:image/png;base64,AQID');
  });
});

describe('ApiClient', () => {
  const make = (server: FakeServer, extra: Partial<ConstructorParameters<typeof ApiClient>[0]> = {}) =>
    new ApiClient({ baseUrl: 'http://127.0.0.1:7860/', fetch: server.fetch, pollIntervalMs: 1, ...extra });

  it('runs a job: upload raw RGBA, create, poll to done, fetch the raw result', async () => {
    const server = new FakeServer([], { totalSteps: 2 });
    const client = make(server);
    expect((await client.health()).demo).toBe(true);
    const upload = await client.uploadRaw({ width: 2, height: 1, bitDepth: 8, data: new Uint8Array([10, 20, 30, 255, 40, 50, 60, 128]) });
    expect(upload).toEqual({ id: 'img1', width: 2, height: 1, bitDepth: 8, channels: 4 });
    const job = await client.createJob({ kind: 'img2img', image: upload.id, params: { strength: 0.3, seed: 7 } });
    expect(job).toMatchObject({ state: 'queued', seed: 7 });
    const seen: string[] = [];
    const final = await client.watchJob(job.id, { onStatus: (s) => seen.push(`${s.state}:${s.step}`) });
    expect(seen).toEqual(['running:0', 'running:1', 'done:2']);
    expect(final.historyId).toBeTruthy();
    const result = await client.result(job.id);
    expect(result).toMatchObject({ width: 2, height: 1, bitDepth: 8 });
    expect(Array.from(result.data)).toEqual([245, 235, 225, 255, 215, 205, 195, 128]);
    expect((await client.history()).items).toHaveLength(1);
    expect(Array.from((await client.historyImageRaw(final.historyId as string)).data)).toEqual(Array.from(result.data));
  });

  it('turns JSON error bodies into ApiError with the server code and message', async () => {
    const client = make(new FakeServer());
    await expect(client.jobStatus('nope')).rejects.toEqual(new ApiError('UNKNOWN_JOB', 'no such job'));
    await expect(client.createJob({ kind: 'img2img', image: 'missing' })).rejects.toMatchObject({ code: 'UNKNOWN_IMAGE' });
  });

  it('reports an unreachable server as ServerUnreachableError', async () => {
    const client = make(new FakeServer([], { offline: true }));
    await expect(client.health()).rejects.toBeInstanceOf(ServerUnreachableError);
    await expect(client.health()).rejects.toThrow('No answer from the InsaneRes server at http://127.0.0.1:7860');
  });

  it('sends the token as a bearer header', async () => {
    const seen: (string | undefined)[] = [];
    const client = new ApiClient({
      baseUrl: 'http://h:1',
      token: 's3cret',
      fetch: async (_url, init) => {
        seen.push((init?.headers as Record<string, string>).Authorization);
        throw new TypeError('offline');
      },
    });
    await expect(client.health()).rejects.toBeInstanceOf(ServerUnreachableError);
    expect(seen).toEqual(['Bearer s3cret']);
  });

  it('marks every request as the panel client (the server accepts Origin: null only with it)', async () => {
    const seen: (string | undefined)[] = [];
    const client = new ApiClient({
      baseUrl: 'http://h:1',
      fetch: async (_url, init) => {
        seen.push((init?.headers as Record<string, string>)['X-InsaneRes-Client']);
        throw new TypeError('offline');
      },
    });
    await expect(client.health()).rejects.toBeInstanceOf(ServerUnreachableError);
    expect(seen).toEqual(['panel']);
  });

  it('returns null for a preview that does not exist yet', async () => {
    const server = new FakeServer();
    const client = make(server);
    const { id } = await client.uploadRaw({ width: 1, height: 1, bitDepth: 8, data: new Uint8Array(4) });
    const job = await client.createJob({ kind: 'img2img', image: id });
    expect(await client.preview(job.id)).toBeNull();
  });

  it('refuses a PNG where raw pixels were asked for', async () => {
    const client = new ApiClient({
      baseUrl: 'http://h:1',
      fetch: async () =>
        ({ ok: true, status: 200, headers: { get: (n: string) => (n === 'Content-Type' ? 'image/png' : null) }, arrayBuffer: async () => new ArrayBuffer(0) }) as unknown as Response,
    });
    await expect(client.result('j')).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('follows a job with Server-Sent Events when an EventSource is available', async () => {
    const server = new FakeServer([], { totalSteps: 2 });
    const opened: string[] = [];
    const eventSource = (url: string): EventSourceLike => {
      opened.push(url);
      const source: EventSourceLike & { listener?: (e: { data: string }) => void } = {
        onerror: null,
        addEventListener: (type, listener) => {
          if (type === 'status') source.listener = listener;
        },
        close: () => undefined,
      };
      // The fake stream replays the job's statuses, one per tick.
      const jobId = url.split('/')[5];
      const pump = async () => {
        for (;;) {
          const status = await make(server).jobStatus(jobId);
          source.listener?.({ data: JSON.stringify(status) });
          if (status.state === 'done') return;
        }
      };
      setTimeout(() => void pump(), 0);
      return source;
    };
    const client = make(server, { eventSource });
    const { id } = await client.uploadRaw({ width: 1, height: 1, bitDepth: 8, data: new Uint8Array(4) });
    const job = await client.createJob({ kind: 'img2img', image: id });
    const final = await client.watchJob(job.id);
    expect(final.state).toBe('done');
    expect(opened).toEqual([`http://127.0.0.1:7860/v1/jobs/${job.id}/events`]);
  });

  it('stops polling when aborted', async () => {
    const server = new FakeServer([], { holdAtStep: 1 });
    const client = make(server);
    const { id } = await client.uploadRaw({ width: 1, height: 1, bitDepth: 8, data: new Uint8Array(4) });
    const job = await client.createJob({ kind: 'img2img', image: id });
    const abort = new AbortController();
    const watching = client.watchJob(job.id, { signal: abort.signal, onStatus: (s) => s.step === 1 && abort.abort() });
    await expect(watching).rejects.toMatchObject({ name: 'AbortError' });
  });
});
