/**
 * The benchmarks' HTTP client: one request on a fresh connection (no agent, so no pooling hides a stall),
 * the whole answer buffered. Plain `http`, not fetch: its cost on the measured process stays small and
 * the same across Node versions.
 */
import * as http from 'http';

export interface Answer {
  status: number;
  body: Buffer;
}

export function call(url: string, method: string, p: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  const u = new URL(p, url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: false, headers: body !== undefined ? { 'content-length': String(Buffer.byteLength(body)), ...headers } : headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
