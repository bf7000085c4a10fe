import { candidateProviders, isDevice } from '../../../../server/src/runtime/device';
import { sessionOptions } from '../../../../server/src/runtime/onnx-runtime';
import { threadSpinning } from '../../../../server/src/runtime/threads';

describe('execution provider choice', () => {
  it('cpu is cpu alone; any other explicit device falls back to cpu', () => {
    expect(candidateProviders('cpu').providers).toEqual(['cpu']);
    expect(candidateProviders('dml').providers).toEqual(['dml', 'cpu']);
    expect(candidateProviders('cuda').providers).toEqual(['cuda', 'cpu']);
    expect(candidateProviders('webgpu').providers).toEqual(['webgpu', 'cpu']);
    expect(candidateProviders('coreml').reason).toBe('--device coreml');
  });

  it('auto ends with cpu, names what the build offers, and never picks webgpu', () => {
    const { providers, reason } = candidateProviders('auto');
    expect(providers[providers.length - 1]).toBe('cpu');
    expect(providers).not.toContain('webgpu');
    expect(reason).toMatch(/^auto: this build offers .*cpu/);
    // This Linux build lists CUDA as not installed (package.json allowScripts denies its download): auto must not try it.
    if (process.platform === 'linux' && /cuda \(not installed\)/.test(reason)) expect(providers).toEqual(['cpu']);
  });

  it('knows the device names of the CLI contract', () => {
    for (const d of ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']) expect(isDevice(d)).toBe(true);
    expect(isDevice('tpu')).toBe(false);
  });
});

describe('session options per provider', () => {
  it('turns memory patterns off for DirectML (with parallel execution: it supports neither) and for the CPU (a second run faulted its memory in afresh)', () => {
    expect(sessionOptions('dml')).toMatchObject({ executionProviders: ['dml'], enableMemPattern: false, executionMode: 'sequential' });
    expect(sessionOptions('cpu')).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', enableMemPattern: false });
    expect(sessionOptions('cuda')).not.toHaveProperty('enableMemPattern');
    expect(sessionOptions('cpu')).not.toHaveProperty('intraOpNumThreads');
    // --threads N reaches ONNX Runtime as intra-op threads; 0 leaves its own choice.
    expect(sessionOptions('cpu', 4)).toMatchObject({ executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: 4 });
    expect(sessionOptions('dml', 2)).toMatchObject({ intraOpNumThreads: 2, enableMemPattern: false });
  });

  it('lets the threads spin only inside a run: spinning stops when run() returns', () => {
    expect(sessionOptions('cpu', 2).extra).toEqual({ session: { force_spinning_stop: '1' } });
  });

  it('turns the threads\' spin-wait off only when asked (INSANERES_ORT_SPINNING=0)', () => {
    expect(sessionOptions('cpu', 2, false)).toEqual({
      executionProviders: ['cpu'], graphOptimizationLevel: 'all', enableMemPattern: false, intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    expect(threadSpinning({})).toBe(true);
    expect(threadSpinning({ INSANERES_ORT_SPINNING: '1' })).toBe(true);
    expect(threadSpinning({ INSANERES_ORT_SPINNING: '0' })).toBe(false);
  });
});
