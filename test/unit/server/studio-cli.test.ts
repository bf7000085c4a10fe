/** Studio mode's flags on `serve` and `worker`: the contract's names, checked before anything connects. */
import { parseWorkerArgs } from '../../../server/src/cli/worker-command';
import { parseServeArgs } from '../../../server/src/serve-cli';

describe('serve --queue', () => {
  it('takes the queue URL and the shared folder', () => {
    expect(parseServeArgs(['--queue', 'redis://:pw@10.0.0.5:6379/2', '--shared-outputs', '/mnt/share'], {})).toMatchObject({
      queue: 'redis://:pw@10.0.0.5:6379/2', sharedOutputs: '/mnt/share',
    });
    expect(parseServeArgs([], { INSANERES_QUEUE: 'rediss://:pw@redis.lan:6380' })).toMatchObject({ queue: 'rediss://:pw@redis.lan:6380' });
    expect(parseServeArgs([], {})).not.toHaveProperty('queue');
  });

  it.each([
    [['--queue', 'http://x:6379'], /redis:\/\/ or rediss:\/\//],
    [['--shared-outputs', '/mnt/share'], /--shared-outputs is for studio mode/],
  ])('refuses %j in one line', (args, message) => {
    expect(() => parseServeArgs(args, {})).toThrow(message);
  });
});

describe('worker', () => {
  it('takes the contract flags', () => {
    expect(parseWorkerArgs(['--queue', 'redis://127.0.0.1:6379', '--model', './sd15', '--device', 'cpu', '--name', 'box1-gpu0'], {})).toEqual({
      url: 'redis://127.0.0.1:6379', model: './sd15', modelsDir: undefined, device: 'cpu', name: 'box1-gpu0', sharedOutputs: undefined, fast: false, logLevel: undefined,
    });
  });

  it('takes --inference-priority low|normal', () => {
    expect(parseWorkerArgs(['--queue', 'redis://127.0.0.1:6379', '--model', './sd15', '--inference-priority', 'normal'], {})).toMatchObject({ inferencePriority: 'normal' });
    // INSANERES_INFERENCE_PRIORITY sets the default; the flag wins over it.
    expect(parseWorkerArgs(['--queue', 'redis://h:6379', '--model', 'm'], { INSANERES_INFERENCE_PRIORITY: 'normal' })).toMatchObject({ inferencePriority: 'normal' });
    expect(parseWorkerArgs(['--queue', 'redis://h:6379', '--model', 'm', '--inference-priority', 'low'], { INSANERES_INFERENCE_PRIORITY: 'normal' })).toMatchObject({ inferencePriority: 'low' });
    expect(() => parseWorkerArgs(['--queue', 'redis://h:6379', '--model', 'm'], { INSANERES_INFERENCE_PRIORITY: 'idle' })).toThrow(/INSANERES_INFERENCE_PRIORITY must be one of low, normal/);
  });

  it('takes --fast (the default for jobs that do not say)', () => {
    expect(parseWorkerArgs(['--queue', 'redis://127.0.0.1:6379', '--model', './lcm', '--fast'])).toMatchObject({ fast: true });
  });

  it.each([
    [['--model', './sd15'], /--queue redis:\/\/HOST:6379 is required/],
    [['--queue', 'redis://h:6379'], /--model DIR or --models-dir DIR is required/],
    [['--queue', 'redis://h:6379', '--model', 'm', '--device', 'tpu'], /--device must be one of/],
    [['--queue', 'redis://h:6379', '--model', 'm', '--name', 'a b'], /--name must be/],
    [['--queue', 'redis://h:6379', '--model', 'm', '--bogus'], /Unknown option '--bogus'/],
    [['--queue', 'redis://h:6379', '--model', 'm', '--inference-priority', 'idle'], /--inference-priority must be one of low, normal/],
  ])('refuses %j', (args, message) => {
    expect(() => parseWorkerArgs(args)).toThrow(message);
  });
});
