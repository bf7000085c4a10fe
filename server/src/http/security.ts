/**
 * Who may talk to the server (DESIGN §6). Three checks, in this order:
 * 1. Host: the `Host` header must name this server, so a DNS-rebinding page (evil.example resolving to
 *    127.0.0.1) is refused even though the browser thinks it is same-origin with itself.
 * 2. Origin: a web page's request carries its `Origin`; web origins (http, https, and the opaque `null`
 *    of sandboxed frames and file pages) must be on the allowlist. Requests without an Origin (curl, the
 *    UXP panel: UXP is not a browser and its fetch is not subject to CORS) and non-web schemes are allowed,
 *    because a web page cannot send either. `null` is accepted only with the panel's X-InsaneRes-Client
 *    header, which a page could attach only after a preflight that is refused for it: whether UXP sends
 *    no Origin or `null` is not documented by Adobe, and the panel must work either way.
 * 3. Token: with `--token`, every request needs `Authorization: Bearer <token>`.
 */
import { createHash, timingSafeEqual } from 'crypto';
import * as net from 'net';
import * as os from 'os';
import type { RequestHandler } from 'express';
import { ApiError, CLIENT_HEADER, RAW_HEADERS } from '../../../shared/src';

export interface SecurityOptions {
  /** The address the server binds. */
  host: string;
  token?: string;
  /** Extra web origins allowed, e.g. `http://localhost:8080` for the panel's browser harness. */
  allowOrigins?: string[];
  /** Extra host names the `Host` header may use (e.g. a LAN name with `--host 0.0.0.0`). */
  allowHosts?: string[];
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** `[::1]:7860` → { name: '[::1]', port: 7860 }; a Host without port means port 80. */
function splitHostHeader(value: string): { name: string; port: number } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!match) return null;
  return { name: match[1].toLowerCase(), port: match[2] ? Number(match[2]) : 80 };
}

function normalizeOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

function isIpLiteral(name: string): boolean {
  return net.isIP(name.replace(/^\[|\]$/g, '')) !== 0;
}

function bracketed(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

export class SecurityPolicy {
  private port = 0;
  private readonly tokenDigest: Buffer | null;

  constructor(private readonly options: SecurityOptions) {
    this.tokenDigest = options.token ? digest(options.token) : null;
  }

  /** Known only once the server listens (port 0 picks a free one). */
  setPort(port: number): void {
    this.port = port;
  }

  /** The host names this server answers to. */
  hostNames(): Set<string> {
    const names = new Set<string>([...LOOPBACK_NAMES, ...(this.options.allowHosts ?? []).map((h) => h.toLowerCase())]);
    const bind = this.options.host.toLowerCase();
    if (!isWildcard(bind)) names.add(bracketed(bind));
    if (!isLoopbackHost(bind)) {
      const hostname = os.hostname().toLowerCase();
      names.add(hostname);
      names.add(`${hostname}.local`);
    }
    return names;
  }

  hostAllowed(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const parsed = splitHostHeader(hostHeader);
    if (!parsed || parsed.port !== this.port) return false;
    if (this.hostNames().has(parsed.name)) return true;
    // Reached over the network (only possible with a token): any address of this machine is fine.
    return !isLoopbackHost(this.options.host) && isIpLiteral(parsed.name);
  }

  /** The server's own web origins plus `--allow-origin` ones. */
  allowedOrigins(): Set<string> {
    const own = [...this.hostNames()].map((name) => `http://${name}:${this.port}`);
    return new Set([...own, ...(this.options.allowOrigins ?? []).map(normalizeOrigin)]);
  }

  /**
   * True for web origins on the allowlist and for non-web schemes (UXP, `plugin:`), which no web page can
   * send; `null` only for a non-preflight request that carries the panel's client header.
   */
  originAllowed(origin: string, fromPanelClient = false): boolean {
    const normalized = normalizeOrigin(origin);
    if (normalized === 'null') return fromPanelClient;
    const scheme = /^([a-z][a-z0-9+.-]*):/.exec(normalized)?.[1];
    if (!scheme) return false;
    if (scheme !== 'http' && scheme !== 'https') return true;
    return this.allowedOrigins().has(normalized);
  }

  /**
   * `Bearer T`, or HTTP Basic with the token as the password (any user name): A1111 clients only know
   * Basic (A1111's `--api-auth user:password`), so they can reach a server started with `--token T`.
   */
  tokenValid(authorization: string | undefined): boolean {
    if (!this.tokenDigest) return true;
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    const decoded = basic ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
    const presented = bearer ? bearer[1].trim() : decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : null;
    // Compare digests in constant time so the token cannot be guessed byte by byte from timings.
    return presented !== null && timingSafeEqual(digest(presented), this.tokenDigest);
  }

  /** Host guard, Origin guard (with CORS headers for allowed web origins), token check. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (!this.hostAllowed(req.headers.host)) {
        throw new ApiError('BAD_HOST', `the Host header "${req.headers.host ?? ''}" does not name this server`);
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        const fromPanelClient = req.method !== 'OPTIONS' && req.headers[CLIENT_HEADER.toLowerCase()] !== undefined;
        if (!this.originAllowed(origin, fromPanelClient)) {
          throw new ApiError(
            'FORBIDDEN_ORIGIN',
            `requests from origin "${origin}" are not allowed (start the server with --allow-origin ${origin} to allow it)`,
          );
        }
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Expose-Headers', Object.values(RAW_HEADERS).join(', '));
        if (req.method === 'OPTIONS') {
          // CORS preflight: browsers send it without credentials, so it is answered before the token check.
          res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS');
          res.setHeader('Access-Control-Allow-Headers', `Content-Type, Authorization, Accept, ${CLIENT_HEADER}`);
          res.setHeader('Access-Control-Max-Age', '600');
          res.status(204).end();
          return;
        }
      } else if (req.headers['sec-fetch-site'] === 'cross-site') {
        // A browser's no-cors request from another site (e.g. <img src>): it has no business here.
        throw new ApiError('FORBIDDEN_ORIGIN', 'cross-site browser requests are not allowed');
      }
      if (!this.tokenValid(req.headers.authorization)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new ApiError('UNAUTHORIZED', 'this server needs "Authorization: Bearer <token>" (the --token it was started with)');
      }
      next();
    };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
