import * as path from 'path';
import { ConfigError } from '../../../server/src/config-error';
import { tinyModel } from '../../helpers/tiny-model';
import { parseServeArgs } from '../../../server/src/serve-cli';

describe('parseServeArgs', () => {
  it('reads the flags of DESIGN §5 and the server ones', () => {
    const options = parseServeArgs(
      ['--models-dir', 'M', '--host', '0.0.0.0', '--port', '0', '--device', 'cpu', '--outputs', 'O', '--token', 'long-enough',
        '--allow-origin', 'http://localhost:8080', '--allow-origin', 'http://localhost:9000', '--max-queue', '5', '--threads', '3'],
      {},
    );
    expect(options).toMatchObject({
      modelsDir: 'M', host: '0.0.0.0', port: 0, device: 'cpu', outputs: 'O', token: 'long-enough',
      allowOrigins: ['http://localhost:8080', 'http://localhost:9000'], limits: { maxQueue: 5 }, threads: 3,
    });
  });

  it('--fast makes fast mode the default; --vae takes a decoder folder, checked at once', async () => {
    expect(parseServeArgs(['--fast'], {})).toMatchObject({ fast: true });
    expect(parseServeArgs([], {})).not.toHaveProperty('fast');
    expect(() => parseServeArgs(['--vae', '/no/such/taesd'], {})).toThrow(/^--vae: VAE folder \/no\/such\/taesd does not exist/);
    const vae = path.join(await tinyModel({ tinyDecoder: true }), 'vae_decoder_tiny');
    expect(parseServeArgs(['--vae', vae], {})).toMatchObject({ vae });
  });

  it('--inference-priority low|normal; absent, the server\'s default (low) applies', () => {
    expect(parseServeArgs(['--inference-priority', 'normal'], {})).toMatchObject({ inferencePriority: 'normal' });
    expect(parseServeArgs(['--inference-priority', 'low'], {})).toMatchObject({ inferencePriority: 'low' });
    // INSANERES_INFERENCE_PRIORITY sets the default; the flag wins over it.
    expect(parseServeArgs([], { INSANERES_INFERENCE_PRIORITY: 'normal' })).toMatchObject({ inferencePriority: 'normal' });
    expect(parseServeArgs(['--inference-priority', 'low'], { INSANERES_INFERENCE_PRIORITY: 'normal' })).toMatchObject({ inferencePriority: 'low' });
    expect(() => parseServeArgs([], { INSANERES_INFERENCE_PRIORITY: 'high' })).toThrow(/INSANERES_INFERENCE_PRIORITY must be one of low, normal, got "high"/);
    expect(parseServeArgs([], {})).not.toHaveProperty('inferencePriority');
  });

  it('takes the token from INSANERES_TOKEN', () => {
    expect(parseServeArgs([], { INSANERES_TOKEN: 'from-the-env' })).toMatchObject({ token: 'from-the-env' });
  });

  it.each([
    [['--port', '70000'], '--port'],
    [['--port', 'x'], '--port'],
    [['--device', 'tpu'], '--device'],
    [['--bogus'], 'bogus'],
    [['stray'], 'stray'],
    [['--allow-origin', 'localhost:8080'], '--allow-origin'],
    [['--token', 'short'], '--token'],
    [['--max-queue', '0'], '--max-queue'],
    [['--threads', '0'], '--threads'],
    [['--inference-priority', 'high'], '--inference-priority must be one of low, normal'],
    [['--threads', '2.5'], '--threads'],
    [['--log-level', 'loud'], '--log-level'],
    [['--log-format', 'fancy'], '--log-format'],
  ])('refuses %j with one line naming %s', (args, named) => {
    const run = (): unknown => parseServeArgs(args, {});
    expect(run).toThrow(ConfigError);
    try {
      run();
    } catch (err) {
      expect((err as Error).message).toContain(named);
      expect((err as Error).message).not.toContain('\n');
    }
  });
});
