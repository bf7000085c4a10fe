/** Loopback security: Origin allowlist, Host guard, token, and refusing to listen beyond loopback without one. */
import { expectApiError, request, startTestServer, tempDir, tinyModel, type TestServer } from './harness';
import { spawnServe } from './spawn';

describe('security', () => {
  let server: TestServer;
  let host: string;
  beforeAll(async () => {
    server = await startTestServer({ allowOrigins: ['http://localhost:8080'] });
    host = `127.0.0.1:${server.port}`;
  });
  afterAll(() => server?.close());

  it.each([
    ['a foreign web page', 'https://example.com'],
    ['another local port', 'http://localhost:3000'],
    ['a look-alike of the own origin', 'http://127.0.0.1.evil.example'],
    ['an opaque origin (sandboxed frame)', 'null'],
  ])('refuses %s with 403', async (_label, origin) => {
    expectApiError(await request(server.url, { path: '/v1/health', headers: { origin } }), 'FORBIDDEN_ORIGIN');
    const post = await request(server.url, {
      method: 'POST', path: '/v1/jobs', headers: { origin, 'content-type': 'application/json' }, body: '{"kind":"img2img","image":"x"}',
    });
    expectApiError(post, 'FORBIDDEN_ORIGIN');
  });

  it('allows no Origin (curl, the UXP panel), the own origin, --allow-origin ones, and answers their preflight', async () => {
    expect((await request(server.url, { path: '/v1/health' })).status).toBe(200);
    const own = await request(server.url, { path: '/v1/health', headers: { origin: `http://${host}` } });
    expect(own.status).toBe(200);
    expect(own.headers['access-control-allow-origin']).toBe(`http://${host}`);
    const harness = await request(server.url, {
      method: 'OPTIONS', path: '/v1/jobs',
      headers: { origin: 'http://localhost:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(harness.status).toBe(204);
    expect(harness.headers['access-control-allow-methods']).toContain('POST');
  });

  it('accepts Origin: null with the panel client header (should a UXP version send null), never its preflight', async () => {
    const panel = { origin: 'null', 'x-insaneres-client': 'panel' };
    expect((await request(server.url, { path: '/v1/health', headers: panel })).status).toBe(200);
    const preflight = await request(server.url, {
      method: 'OPTIONS', path: '/v1/jobs',
      headers: { origin: 'null', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-insaneres-client' },
    });
    expectApiError(preflight, 'FORBIDDEN_ORIGIN');
    // and a foreign web origin gains nothing from the header
    expectApiError(await request(server.url, { path: '/v1/health', headers: { ...panel, origin: 'https://example.com' } }), 'FORBIDDEN_ORIGIN');
  });

  it('refuses cross-site no-cors browser requests', async () => {
    expectApiError(await request(server.url, { path: '/v1/history', headers: { 'sec-fetch-site': 'cross-site' } }), 'FORBIDDEN_ORIGIN');
  });

  it.each([
    ['a rebinding name', 'evil.example'],
    ['the right name on another port', '127.0.0.1:1'],
    ['a LAN address', '192.168.1.20'],
  ])('refuses a Host header of %s with 421', async (_label, badHost) => {
    const value = badHost.includes(':') ? badHost : `${badHost}:${server.port}`;
    expectApiError(await request(server.url, { path: '/v1/health', headers: { host: value } }), 'BAD_HOST');
  });

  it('accepts localhost and 127.0.0.1 as Host', async () => {
    for (const name of ['localhost', '127.0.0.1']) {
      expect((await request(server.url, { path: '/v1/health', headers: { host: `${name}:${server.port}` } })).status).toBe(200);
    }
  });

  it('needs the token on every request when started with one', async () => {
    const token = 'correct-horse-battery';
    const guarded = await startTestServer({ host: '0.0.0.0', token });
    try {
      const url = `http://127.0.0.1:${guarded.port}`;
      const missing = await request(url, { path: '/v1/health' });
      expectApiError(missing, 'UNAUTHORIZED');
      expect(missing.headers['www-authenticate']).toBe('Bearer');
      expectApiError(await request(url, { path: '/v1/health', headers: { authorization: 'Bearer wrong-token' } }), 'UNAUTHORIZED');
      expectApiError(await request(url, { path: '/v1/jobs/x', headers: { authorization: token } }), 'UNAUTHORIZED');
      expect((await request(url, { path: '/v1/health', headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('refuses to start on 0.0.0.0 without a token: exit 2 and one line', async () => {
    const serve = spawnServe(['--host', '0.0.0.0', '--port', '0', '--model', await tinyModel(), '--outputs', tempDir('refused')]);
    expect(await serve.exited).toBe(2);
    const text = serve.stderr().trim();
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toMatch(/--host 0\.0\.0\.0.*--token/);
  });
});
