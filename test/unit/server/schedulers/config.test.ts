import * as fs from 'fs';
import * as path from 'path';
import { SD15_SCHEDULER_CONFIG, SchedulerConfig, schedulerConfigFromJson } from '../../../../server/src/schedulers';
import { sharedData } from '../../../helpers/shared-data';

// What DDIMScheduler.from_config + StableDiffusionPipeline make of SD 1.5's scheduler_config.json
// (read off the file and diffusers' DDIM defaults by hand): clip_sample off whatever the file says.
const EXPECTED_SD15: SchedulerConfig = {
  num_train_timesteps: 1000,
  beta_start: 0.00085,
  beta_end: 0.012,
  beta_schedule: 'scaled_linear',
  steps_offset: 1,
  set_alpha_to_one: false,
  prediction_type: 'epsilon',
  timestep_spacing: 'leading',
  clip_sample: false,
  clip_sample_range: 1,
};

const dataDir = sharedData('sd15-scheduler');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dataDir ?? '', file), 'utf8'));

describe('schedulerConfigFromJson on the SD 1.5 files', () => {
  (dataDir ? it : it.skip)('main branch (clip_sample false in the file)', () => {
    const { config, notes } = schedulerConfigFromJson(readJson('scheduler_config.main.json'), { isSd1: true });
    expect(config).toEqual(EXPECTED_SD15);
    expect(notes.some((note) => note.includes('clip_sample') && note.includes('forced'))).toBe(false);
  });

  (dataDir ? it : it.skip)('onnx branch (no clip_sample key: DDIM would default it to true)', () => {
    const { config, notes } = schedulerConfigFromJson(readJson('scheduler_config.onnx-branch.json'), { isSd1: true });
    expect(config).toEqual(EXPECTED_SD15);
    expect(notes.join('\n')).toMatch(/clip_sample missing \(DDIM default true\): forced to false/);
  });
});

describe('schedulerConfigFromJson', () => {
  it('no file → SD 1.5 defaults, and says so', () => {
    const { config, notes } = schedulerConfigFromJson(null, { isSd1: true });
    expect(config).toEqual(EXPECTED_SD15);
    expect(config).toEqual(SD15_SCHEDULER_CONFIG);
    expect(notes.join('\n')).toMatch(/no scheduler config/);
  });

  it('missing keys take diffusers DDIM defaults (not SD 1.5 ones) and are listed', () => {
    const { config, notes } = schedulerConfigFromJson({}, { isSd1: false });
    expect(config).toEqual({
      num_train_timesteps: 1000,
      beta_start: 0.0001,
      beta_end: 0.02,
      beta_schedule: 'linear',
      steps_offset: 0,
      set_alpha_to_one: true,
      prediction_type: 'epsilon',
      timestep_spacing: 'leading',
      clip_sample: true,
      clip_sample_range: 1,
    });
    expect(notes.join('\n')).toMatch(/missing keys: .*beta_schedule/);
  });

  it('forces clip_sample false for SD 1.x even when the file says true, and keeps it otherwise', () => {
    const sd1 = schedulerConfigFromJson({ clip_sample: true }, { isSd1: true });
    expect(sd1.config.clip_sample).toBe(false);
    expect(sd1.notes.join('\n')).toMatch(/clip_sample true in the file: forced to false/);
    expect(schedulerConfigFromJson({ clip_sample: true }, { isSd1: false }).config.clip_sample).toBe(true);
  });

  it('reads v_prediction and the other spacings', () => {
    const { config } = schedulerConfigFromJson(
      { prediction_type: 'v_prediction', timestep_spacing: 'trailing', clip_sample_range: 2.5 },
      { isSd1: false },
    );
    expect(config.prediction_type).toBe('v_prediction');
    expect(config.timestep_spacing).toBe('trailing');
    expect(config.clip_sample_range).toBe(2.5);
  });

  it.each([
    [{ beta_schedule: 'squaredcos_cap_v2' }, 'beta_schedule = "squaredcos_cap_v2" is not supported (accepted: "scaled_linear", "linear")'],
    [{ prediction_type: 'sample' }, 'prediction_type = "sample" is not supported (accepted: "epsilon", "v_prediction")'],
    [{ timestep_spacing: 'karras' }, 'timestep_spacing = "karras"'],
    [{ num_train_timesteps: '1000' }, 'num_train_timesteps = "1000"'],
    [{ set_alpha_to_one: 'no' }, 'set_alpha_to_one = "no"'],
    [{ steps_offset: 1.5 }, 'steps_offset = 1.5'],
    [{ beta_start: 0.5, beta_end: 0.1 }, 'beta_start = 0.5'],
    [{ trained_betas: [0.1, 0.2] }, 'trained_betas'],
    [{ thresholding: true }, 'thresholding = true'],
    [{ rescale_betas_zero_snr: true }, 'rescale_betas_zero_snr = true'],
  ])('rejects %j naming the key', (json, message) => {
    expect(() => schedulerConfigFromJson(json, { isSd1: true })).toThrow(message);
  });

  it('rejects a config that is not an object', () => {
    expect(() => schedulerConfigFromJson([1, 2], { isSd1: true })).toThrow(/JSON object/);
  });
});
