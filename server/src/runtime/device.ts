import * as ort from 'onnxruntime-node';

export const DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

export function isDevice(value: string): value is Device {
  return (DEVICES as readonly string[]).includes(value);
}

/** Our device names → onnxruntime-node execution provider names. */
const PROVIDER: Record<Exclude<Device, 'auto'>, string> = {
  cpu: 'cpu',
  cuda: 'cuda',
  dml: 'dml',
  coreml: 'coreml',
  webgpu: 'webgpu',
};

/**
 * The providers to try for `device`, best first; CPU always ends the list so a provider that fails to
 * load falls back to it. `auto` offers what this onnxruntime-node build bundles for this platform
 * (DirectML on Windows, CoreML on macOS) plus CUDA when it has been installed. WebGPU is left out of
 * `auto`: in onnxruntime-node it is still experimental and slower than CPU for SD on many machines;
 * `--device webgpu` asks for it explicitly.
 */
export function candidateProviders(device: Device): { providers: string[]; reason: string } {
  if (device !== 'auto') {
    return { providers: device === 'cpu' ? ['cpu'] : [PROVIDER[device], 'cpu'], reason: `--device ${device}` };
  }
  const backends = ort.listSupportedBackends();
  const has = (name: string, mustBeBundled: boolean): boolean =>
    backends.some((b) => b.name === name && (b.bundled || !mustBeBundled));
  const providers: string[] = [];
  if (process.platform === 'win32' && has('dml', false)) providers.push('dml');
  if (process.platform === 'darwin' && has('coreml', false)) providers.push('coreml');
  // CUDA is listed on Linux/Windows but usable only after its separate install (see README).
  if (has('cuda', true)) providers.push('cuda');
  providers.push('cpu');
  const offered = backends.map((b) => `${b.name}${b.bundled ? '' : ' (not installed)'}`).join(', ');
  return { providers, reason: `auto: this build offers ${offered}` };
}
