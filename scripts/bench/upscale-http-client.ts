/**
 * The client side of the upscale bench's HTTP run, in its own process so that its own work (building the
 * upload, parsing events, reading 64 MB downloads) never lands on the event loop being measured: the
 * server's, in the bench process. It does what the panel does for a 4096² upscale (raw upload, job, event
 * stream and preview polls while it runs, raw result), then fetches the PNG result and a history
 * thumbnail, and prints one JSON line per phase as it starts (`{"phase":…}`), then `{"done":…}`.
 */
import * as http from 'http';
import { call as callUrl, type Answer } from './http-call';

const [url, sideArg, paramsJson] = process.argv.slice(2);

function mark(phase: string): void {
  process.stdout.write(`${JSON.stringify({ phase })}\n`);
}

function call(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  return callUrl(url, method, path, body, headers);
}

function expectStatus(what: string, answer: Answer, status: number): Answer {
  if (answer.status !== status) throw new Error(`${what} → ${answer.status} ${answer.body.toString().slice(0, 300)}`);
  return answer;
}

/** Reads the job's event stream until its state is terminal; polls the preview about once a second meanwhile. */
function followJob(id: string): Promise<{ state: string; historyId: string | null }> {
  const u = new URL(`/v1/jobs/${id}/events`, url);
  let polling = true;
  const poll = async (): Promise<void> => {
    while (polling) {
      await call('GET', `/v1/jobs/${id}/preview`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void poll();
  return new Promise((resolve, reject) => {
    http.get({ host: u.hostname, port: u.port, path: u.pathname, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, end);
          text = text.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (!data) continue;
          const status = JSON.parse(data.slice(6)) as { state: string; historyId: string | null };
          if (['done', 'failed', 'cancelled'].includes(status.state)) {
            polling = false;
            res.destroy();
            resolve(status);
          }
        }
      });
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Uploads a side² RGBA picture, upscales it 2× and returns the job's id and history entry. */
async function upscale(side: number, measured: boolean): Promise<{ id: string; historyId: string }> {
  const phase = (name: string): void => {
    if (measured) mark(name);
  };
  phase('upload');
  const pixels = Buffer.alloc(side * side * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i % 4 === 3 ? 255 : 128 + 100 * Math.sin(i / 3001)) | 0;
  const uploaded = expectStatus('upload', await call('POST', `/v1/images?width=${side}&height=${side}&bitDepth=8`, pixels, { 'content-type': 'application/octet-stream' }), 201);
  const image = (JSON.parse(uploaded.body.toString()) as { id: string }).id;
  phase('submit');
  const job = JSON.stringify({ kind: 'upscale', image, params: { ...JSON.parse(paramsJson), scale: 2 } });
  const created = expectStatus('job', await call('POST', '/v1/jobs', job, { 'content-type': 'application/json' }), 202);
  const id = (JSON.parse(created.body.toString()) as { id: string }).id;
  phase('running');
  const final = await followJob(id);
  if (final.state !== 'done' || !final.historyId) throw new Error(`the job ended ${final.state}`);
  return { id, historyId: final.historyId };
}

async function main(): Promise<void> {
  const side = Number(sideArg) / 2;
  // A small job first: what is a one-off per server (lazy module and schema compilation, sharp's first
  // encode) is not what a 4096² job costs. Its phases are reported apart.
  mark('warm-up');
  await upscale(256, false);
  const { id, historyId } = await upscale(side, true);
  mark('result-raw');
  const raw = expectStatus('raw result', await call('GET', `/v1/jobs/${id}/result`, undefined, { accept: 'application/octet-stream' }), 200);
  if (raw.body.length !== 2 * side * 2 * side * 4) throw new Error(`the raw result has ${raw.body.length} bytes`);
  mark('result-png');
  expectStatus('PNG result', await call('GET', `/v1/jobs/${id}/result`, undefined, { accept: 'image/png' }), 200);
  mark('thumbnail');
  expectStatus('thumbnail', await call('GET', `/v1/history/${historyId}/image?maxSide=256`), 200);
  mark('history-raw');
  expectStatus('history raw', await call('GET', `/v1/history/${historyId}/image`, undefined, { accept: 'application/octet-stream' }), 200);
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
