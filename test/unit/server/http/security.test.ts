import { SecurityPolicy, isLoopbackHost } from '../../../../server/src/http/security';

const PORT = 7860;

function policy(options: Partial<ConstructorParameters<typeof SecurityPolicy>[0]> = {}): SecurityPolicy {
  const p = new SecurityPolicy({ host: '127.0.0.1', ...options });
  p.setPort(PORT);
  return p;
}

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true], ['127.1.2.3', true], ['localhost', true], ['::1', true], ['[::1]', true],
    ['0.0.0.0', false], ['192.168.1.5', false], ['::', false], ['example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('Host header (DNS rebinding)', () => {
  it.each([
    ['127.0.0.1:7860', true],
    ['localhost:7860', true],
    ['LOCALHOST:7860', true],
    ['[::1]:7860', true],
    ['127.0.0.1:7861', false],
    ['127.0.0.1', false],
    ['evil.example:7860', false],
    ['192.168.1.5:7860', false],
    ['', false],
    ['127.0.0.1:7860:1', false],
  ])('loopback server: %j → %s', (host, expected) => {
    expect(policy().hostAllowed(host)).toBe(expected);
  });

  it('allows LAN addresses and extra names when bound beyond loopback', () => {
    const p = policy({ host: '0.0.0.0', token: 'secret-token', allowHosts: ['studio-pc'] });
    expect(p.hostAllowed('192.168.1.5:7860')).toBe(true);
    expect(p.hostAllowed('studio-pc:7860')).toBe(true);
    expect(p.hostAllowed('evil.example:7860')).toBe(false);
  });
});

describe('Origin allowlist', () => {
  it.each([
    ['http://127.0.0.1:7860', true],
    ['http://localhost:7860', true],
    ['http://localhost:7860/', true],
    ['https://example.com', false],
    ['http://localhost:3000', false],
    ['http://127.0.0.1:7860.evil.example', false],
    ['null', false],
    ['', false],
    ['uxp://com.insaneres.panel', true],
    ['plugin:', true],
  ])('%j → %s', (origin, expected) => {
    expect(policy().originAllowed(origin)).toBe(expected);
  });

  it('accepts the opaque origin null only from the panel client (a page could add its header only after a refused preflight)', () => {
    expect(policy().originAllowed('null', true)).toBe(true);
    expect(policy().originAllowed('null', false)).toBe(false);
    expect(policy().originAllowed('https://example.com', true)).toBe(false); // the header never opens web origins
  });

  it('adds --allow-origin origins', () => {
    const p = policy({ allowOrigins: ['http://localhost:8080'] });
    expect(p.originAllowed('http://localhost:8080')).toBe(true);
    expect(p.originAllowed('http://localhost:8081')).toBe(false);
  });
});

describe('Bearer token', () => {
  it('accepts anything without a token', () => {
    expect(policy().tokenValid(undefined)).toBe(true);
  });

  it.each([
    [undefined, false],
    ['Bearer wrong-token', false],
    ['secret-token', false],
    ['Basic secret-token', false],
    ['Bearer secret-token', true],
    ['bearer secret-token', true],
    // A1111 clients: HTTP Basic with the token as the password, any user name.
    [`Basic ${Buffer.from('me:secret-token').toString('base64')}`, true],
    [`Basic ${Buffer.from(':secret-token').toString('base64')}`, true],
    [`Basic ${Buffer.from('me:wrong').toString('base64')}`, false],
    [`Basic ${Buffer.from('secret-token').toString('base64')}`, false],
    [`Basic ${Buffer.from('secret-token:me').toString('base64')}`, false],
  ])('%j → %s', (header, expected) => {
    expect(policy({ token: 'secret-token' }).tokenValid(header)).toBe(expected);
  });
});
