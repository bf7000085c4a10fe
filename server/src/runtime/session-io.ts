import type { InferenceSession } from 'onnxruntime-node';
import { ModelFolderError } from './model-folder';

/**
 * What each of the four sessions takes and gives, read from the session metadata so that exports from
 * different tools (optimum, Olive/DirectML, Amuse, fp16 builds) all work without configuration.
 */

export type FloatType = 'float32' | 'float16';

export interface FloatPort {
  name: string;
  type: FloatType;
  /** Fixed dims from the export (a number), or null where the dim is symbolic. */
  dims: (number | null)[];
}

export interface TextEncoderIO {
  inputIds: { name: string; type: 'int32' | 'int64' };
  output: FloatPort;
  fixedBatch: number | null;
}

export interface UnetIO {
  sample: FloatPort;
  timestep: { name: string; type: 'int64' | 'float32' | 'float16'; scalar: boolean };
  context: FloatPort;
  /**
   * `timestep_cond` [B, D] of LCM-distilled UNets (diffusers' `time_cond_proj_dim`): the guidance-scale
   * embedding that replaces the CFG pass; null for ordinary UNets.
   */
  timestepCond: FloatPort | null;
  output: FloatPort;
  fixedBatch: number | null;
  /** [h, w] of the latent when the export fixes it (e.g. 64×64), else null. */
  fixedLatent: [number, number] | null;
}

export interface VaeEncoderIO {
  input: FloatPort;
  output: FloatPort;
  /** latent_sample: already a sample; latent_parameters: mean ‖ logvar, we take the mean. */
  kind: 'latent_sample' | 'latent_parameters';
}

export interface VaeDecoderIO {
  input: FloatPort;
  output: FloatPort;
}

type Meta = InferenceSession.ValueMetadata;
type TensorMeta = Extract<Meta, { isTensor: true }>;

function tensorMeta(list: readonly Meta[], file: string): TensorMeta[] {
  return list.map((m) => {
    if (!m.isTensor) throw new ModelFolderError(`${file}: value '${m.name}' is not a tensor`);
    return m;
  });
}

function fixedDims(m: TensorMeta): (number | null)[] {
  return m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : null));
}

function floatPort(m: TensorMeta, file: string, rank: number | null): FloatPort {
  if (m.type !== 'float32' && m.type !== 'float16') {
    throw new ModelFolderError(`${file}: '${m.name}' is ${m.type}, expected float32 or float16`);
  }
  if (rank !== null && m.shape.length !== 0 && m.shape.length !== rank) {
    throw new ModelFolderError(`${file}: '${m.name}' has rank ${m.shape.length}, expected ${rank}`);
  }
  return { name: m.name, type: m.type, dims: fixedDims(m) };
}

/** The input named `name`, else the only one of `rank`; an error naming both when neither exists. */
function pick(list: TensorMeta[], name: string, rank: number, file: string, what: string): TensorMeta {
  const byName = list.find((m) => m.name === name);
  if (byName) return byName;
  const byRank = list.filter((m) => m.shape.length === rank);
  if (byRank.length === 1) return byRank[0];
  const have = list.map((m) => `${m.name} [${m.shape.join(',')}] ${m.type}`).join('; ');
  throw new ModelFolderError(`${file}: expected ${what} named '${name}' (rank ${rank}); the model has: ${have || 'nothing'}`);
}

function batchOf(...ports: FloatPort[]): number | null {
  for (const p of ports) if (p.dims.length > 0 && p.dims[0] !== null) return p.dims[0];
  return null;
}

export function describeTextEncoder(session: InferenceSession, file: string): TextEncoderIO {
  const inputs = tensorMeta(session.inputMetadata, file);
  const outputs = tensorMeta(session.outputMetadata, file);
  const ids = pick(inputs, 'input_ids', 2, file, 'token ids');
  if (ids.type !== 'int32' && ids.type !== 'int64') {
    throw new ModelFolderError(`${file}: 'input_ids' is ${ids.type}, expected int32 or int64`);
  }
  const output = floatPort(pick(outputs, 'last_hidden_state', 3, file, 'the hidden states'), file, 3);
  const idDims = fixedDims(ids);
  return { inputIds: { name: ids.name, type: ids.type }, output, fixedBatch: idDims[0] ?? null };
}

export function describeUnet(session: InferenceSession, file: string): UnetIO {
  const inputs = tensorMeta(session.inputMetadata, file);
  const outputs = tensorMeta(session.outputMetadata, file);
  const sample = floatPort(pick(inputs, 'sample', 4, file, 'the latent sample'), file, 4);
  const context = floatPort(pick(inputs, 'encoder_hidden_states', 3, file, 'the text conditioning'), file, 3);
  const t = inputs.find((m) => m.name === 'timestep') ?? inputs.find((m) => m.shape.length <= 1);
  if (!t) throw new ModelFolderError(`${file}: expected a 'timestep' input (int64/float32/float16, [B] or scalar)`);
  if (t.type !== 'int64' && t.type !== 'float32' && t.type !== 'float16') {
    throw new ModelFolderError(`${file}: 'timestep' is ${t.type}, expected int64, float32 or float16`);
  }
  const output = floatPort(outputs.find((m) => m.name === 'out_sample') ?? outputs[0], file, 4);
  const [, channels, h, w] = sample.dims;
  if (channels !== null && channels !== undefined && channels !== 4 && channels !== 9) {
    throw new ModelFolderError(`${file}: 'sample' has ${channels} channels, expected 4 (SD 1.x) or 9 (SD 1.x inpainting)`);
  }
  const cond = inputs.find((m) => m.name === 'timestep_cond');
  const timestepCond = cond ? floatPort(cond, file, 2) : null;
  if (timestepCond !== null && timestepCond.dims[1] === null) {
    throw new ModelFolderError(`${file}: 'timestep_cond' must have a fixed width (the guidance embedding size), got [${cond?.shape.join(',')}]`);
  }
  return {
    sample,
    timestep: { name: t.name, type: t.type, scalar: t.shape.length === 0 },
    context,
    timestepCond,
    output,
    fixedBatch: batchOf(sample, context),
    fixedLatent: h !== null && w !== null && h !== undefined && w !== undefined ? [h, w] : null,
  };
}

export function describeVaeEncoder(session: InferenceSession, file: string): VaeEncoderIO {
  const inputs = tensorMeta(session.inputMetadata, file);
  const outputs = tensorMeta(session.outputMetadata, file);
  const input = floatPort(pick(inputs, 'sample', 4, file, 'the image'), file, 4);
  const out = outputs.find((m) => m.name === 'latent_sample' || m.name === 'latent_parameters') ?? outputs[0];
  const port = floatPort(out, file, 4);
  const channels = port.dims[1];
  const kind = out.name === 'latent_parameters' || channels === 8 ? 'latent_parameters' : 'latent_sample';
  return { input, output: port, kind };
}

export function describeVaeDecoder(session: InferenceSession, file: string): VaeDecoderIO {
  const inputs = tensorMeta(session.inputMetadata, file);
  const outputs = tensorMeta(session.outputMetadata, file);
  // One input, 4 latent channels: a UNet or an encoder given as a decoder (--vae) fails here, not in run().
  if (inputs.length !== 1) {
    throw new ModelFolderError(`${file} takes ${inputs.length} inputs (${inputs.map((m) => m.name).join(', ')}); a VAE decoder takes one: latent_sample [B,4,h,w]`);
  }
  const input = floatPort(pick(inputs, 'latent_sample', 4, file, 'the latent'), file, 4);
  if (input.dims[1] !== null && input.dims[1] !== undefined && input.dims[1] !== 4) {
    throw new ModelFolderError(`${file}: '${input.name}' has ${input.dims[1]} channels; a VAE decoder takes latents [B,4,h,w]`);
  }
  const output = floatPort(outputs.find((m) => m.name === 'sample') ?? outputs[0], file, 4);
  return { input, output };
}
