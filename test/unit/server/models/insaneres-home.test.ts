import * as os from 'os';
import * as path from 'path';
import { defaultModelsDir, defaultOutputsDir, insaneresHome } from '../../../../server/src/models/models-dir';

describe('the InsaneRes folder', () => {
  const saved = process.env.INSANERES_HOME;
  afterEach(() => {
    if (saved === undefined) delete process.env.INSANERES_HOME;
    else process.env.INSANERES_HOME = saved;
  });

  it('is ~/InsaneRes without INSANERES_HOME, holding models and outputs', () => {
    delete process.env.INSANERES_HOME;
    expect(insaneresHome()).toBe(path.join(os.homedir(), 'InsaneRes'));
    expect(defaultModelsDir()).toBe(path.join(os.homedir(), 'InsaneRes', 'models'));
    expect(defaultOutputsDir()).toBe(path.join(os.homedir(), 'InsaneRes', 'outputs'));
  });

  it('moves with INSANERES_HOME', () => {
    process.env.INSANERES_HOME = path.join(os.tmpdir(), 'elsewhere');
    expect(defaultModelsDir()).toBe(path.join(os.tmpdir(), 'elsewhere', 'models'));
    expect(defaultOutputsDir()).toBe(path.join(os.tmpdir(), 'elsewhere', 'outputs'));
  });

  it('is set during the test suite, to a temporary folder unless the caller chose one (jest global setup)', () => {
    expect(saved).toBeDefined();
    if (process.env.INSANERES_TEST_HOME !== undefined) {
      expect(saved).toBe(process.env.INSANERES_TEST_HOME);
      expect(path.resolve(saved as string).startsWith(path.resolve(os.tmpdir()))).toBe(true);
    }
  });
});
