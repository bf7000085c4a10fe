/**
 * The HTTP 4096² download part of the upscale bench alone, in seconds instead of minutes: a small upscale
 * makes a real history entry, its PNG is replaced by a 4096² one, and the stored entry is downloaded raw
 * (and as PNG) by a client in its own process while the server's main thread is timed here
 * (upscale-http-bench.ts's gap recorder). `node dist/scripts/bench/download-gaps.js [side] [rounds] [8|16]`;
 * run it under `node --cpu-prof` to see what a long gap was.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { encodePng } from '../../server/src/image/png';
import { startServer } from '../../server/src/serve';
import { makeTinyModel } from '../tiny-model/make-tiny-model';
import { call } from './http-call';
import { gapRecorder } from './upscale-http-bench';

/** Downloads `path` `rounds` times in a child process (its own event loop); one line per download. */
const CLIENT = `
const http = require('http');
const [url, p, accept, rounds] = process.argv.slice(1);
(async () => {
  for (let i = 0; i < Number(rounds); i++) {
    await new Promise((resolve, reject) => {
      http.get(url + p, { agent: false, headers: { accept } }, (res) => {
        let bytes = 0;
        res.on('data', (c) => (bytes += c.length));
        res.on('end', () => { process.stdout.write(JSON.stringify({ status: res.statusCode, bytes }) + '\\n'); resolve(); });
      }).on('error', reject);
    });
  }
})();`;

function download(url: string, p: string, accept: string, rounds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, url, p, accept, String(rounds)], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the client failed (exit ${code})`))));
  });
}

async function main(): Promise<void> {
  const side = Number(process.argv[2] ?? 4096);
  const rounds = Number(process.argv[3] ?? 3);
  const bitDepth = process.argv[4] === '16' ? 16 : 8;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-download-gaps-'));
  try {
    const model = path.join(dir, 'tiny');
    await makeTinyModel(model);
    const outputs = path.join(dir, 'outputs');
    const server = await startServer({ port: 0, device: 'cpu', model, outputs, logger: pino({ level: 'silent' }) });
    try {
      const small = Buffer.alloc(64 * 64 * 4, 200);
      const uploaded = await call(server.url, 'POST', '/v1/images?width=64&height=64&bitDepth=8', small, { 'content-type': 'application/octet-stream' });
      const image = (JSON.parse(uploaded.body.toString()) as { id: string }).id;
      const job = JSON.stringify({ kind: 'upscale', image, params: { prompt: 'x', scale: 2, steps: 2, strength: 0.5 } });
      const { id } = JSON.parse((await call(server.url, 'POST', '/v1/jobs', job, { 'content-type': 'application/json' })).body.toString()) as { id: string };
      let historyId: string | null = null;
      while (!historyId) {
        await new Promise((r) => setTimeout(r, 200));
        const status = JSON.parse((await call(server.url, 'GET', `/v1/jobs/${id}`)).body.toString()) as { state: string; historyId?: string | null };
        if (['failed', 'cancelled'].includes(status.state)) throw new Error(`the setup job ended ${status.state}`);
        historyId = status.historyId ?? null;
      }
      // The upscale bench's picture, RGBA: smooth, as an upscale result is.
      const scale = bitDepth === 16 ? 257 : 1;
      const pixels = bitDepth === 16 ? new Uint16Array(side * side * 4) : new Uint8Array(side * side * 4);
      for (let i = 0; i < pixels.length; i++) pixels[i] = ((i % 4 === 3 ? 255 : 128 + 100 * Math.sin(i / 3001)) * scale) | 0;
      fs.writeFileSync(path.join(outputs, `${historyId}.png`), await encodePng({ width: side, height: side, channels: 4, bitDepth, data: pixels }));
      for (const [accept, what] of [['application/octet-stream', 'raw'], ['image/png', 'PNG']]) {
        const recorder = gapRecorder();
        const start = performance.now();
        await download(server.url, `/v1/history/${historyId}/image`, accept, rounds);
        const seconds = (performance.now() - start) / 1000;
        const gaps = recorder.stop().sort((a, b) => b.gap - a.gap);
        const top = gaps.slice(0, 5).map((g) => `${g.gap.toFixed(1)} (on CPU ${g.onCpu === null ? 'n/a' : g.onCpu.toFixed(1)})`);
        console.log(`${side}² ${bitDepth}-bit stored entry, ${what}, ${rounds} downloads in ${seconds.toFixed(1)} s: longest gaps ms ${top.join(', ') || 'none over 5'}`);
      }
    } finally {
      await server.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
