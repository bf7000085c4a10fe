/**
 * The one way this downloader talks HTTP. Redirects are followed by hand so that the Hub token is sent
 * only to the Hub's own host: the Hub redirects LFS/Xet files to a CDN on another host, which must never
 * see it. Standard proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) work through undici's
 * EnvHttpProxyAgent.
 */
import type { Readable } from 'stream';
import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';

export const DEFAULT_ENDPOINT = 'https://huggingface.co';
const MAX_REDIRECTS = 8;

export interface HubResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HubClientOptions {
  /** Default: HF_ENDPOINT, else https://huggingface.co (the huggingface_hub convention for mirrors). */
  endpoint?: string;
  /** Default: HF_TOKEN. */
  token?: string;
  /** No byte (nor headers) for this long counts as a stall: the request fails and is retried. */
  stallMs?: number;
  dispatcher?: Dispatcher;
}

export function header(headers: HubResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

export class HubClient {
  readonly endpoint: string;
  private readonly token: string | undefined;
  private readonly hubHost: string;
  private readonly dispatcher: Dispatcher;
  readonly stallMs: number;

  constructor(options: HubClientOptions = {}, env: NodeJS.ProcessEnv = process.env) {
    this.endpoint = (options.endpoint ?? (env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, '');
    let parsed: URL;
    try {
      parsed = new URL(this.endpoint);
    } catch {
      throw new Error(`HF_ENDPOINT must be a URL like https://huggingface.co, got "${this.endpoint}"`);
    }
    this.hubHost = parsed.host;
    const token = options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
    this.token = token && token.trim() ? token.trim() : undefined;
    this.stallMs = options.stallMs ?? 30_000;
    // The proxy variables are read from `env` (not only process.env) so that what the caller passes is what applies.
    this.dispatcher =
      options.dispatcher ??
      new EnvHttpProxyAgent({
        httpProxy: env.http_proxy ?? env.HTTP_PROXY,
        httpsProxy: env.https_proxy ?? env.HTTPS_PROXY,
        noProxy: env.no_proxy ?? env.NO_PROXY,
      });
  }

  url(pathname: string): string {
    return `${this.endpoint}${pathname}`;
  }

  /** GET with redirects followed; the Authorization header only goes to the Hub's host. */
  async get(url: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<HubResponse> {
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const target = new URL(current);
      const sendToken = this.token !== undefined && target.host === this.hubHost;
      const res = await request(current, {
        method: 'GET',
        headers: { ...headers, 'user-agent': 'insaneres', ...(sendToken ? { authorization: `Bearer ${this.token}` } : {}) },
        dispatcher: this.dispatcher,
        signal,
        headersTimeout: this.stallMs,
        bodyTimeout: this.stallMs,
      });
      const location = header(res.headers, 'location');
      if (res.statusCode >= 300 && res.statusCode < 400 && location) {
        res.body.resume();
        current = new URL(location, current).toString();
        continue;
      }
      return { status: res.statusCode, headers: res.headers, body: res.body, url: current };
    }
    throw new Error(`too many redirects from ${url}`);
  }

  async getJson(url: string, signal?: AbortSignal): Promise<{ status: number; headers: HubResponse['headers']; json: unknown }> {
    const res = await this.get(url, { accept: 'application/json' }, signal);
    const text = await readText(res.body);
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, json };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
