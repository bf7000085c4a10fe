import * as ort from 'onnxruntime-node';
import type { DiffusionRuntime } from '../pipeline/runtime';
import { Tensor, tensor } from '../tensor';
import { candidateProviders, Device } from './device';
import { float16ToFloat32, float32ToFloat16, toHalf } from './float16';
import { inspectModelFolder, ModelFolder, ModelFolderError } from './model-folder';
import { threadTimes } from './thread-cpu';
import { threadSpinning } from './threads';
import { findTinyDecoder, findTinyEncoder, inspectVaeFolder, VaeDecoderFolder } from './vae-decoder-folder';
import {
  describeTextEncoder,
  describeUnet,
  describeVaeDecoder,
  describeVaeEncoder,
  FloatPort,
  TextEncoderIO,
  UnetIO,
  VaeDecoderIO,
  VaeEncoderIO,
} from './session-io';

export interface RuntimeLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Milliseconds spent inside session.run, per model part; the benchmark reads it. */
export interface RunStats {
  textEncoder: number;
  unet: number;
  vaeEncoder: number;
  vaeDecoder: number;
}

function toOrtFloat(data: Float32Array, dims: readonly number[], port: FloatPort): ort.Tensor {
  return port.type === 'float16'
    ? new ort.Tensor('float16', float32ToFloat16(data), dims)
    : new ort.Tensor('float32', data, dims);
}

function fromOrtFloat(value: ort.Tensor): Tensor {
  const dims = value.dims.slice();
  if (value.type === 'float16') return tensor(float16ToFloat32(value.data as Uint16Array), dims);
  if (value.type === 'float32') return tensor(value.data as Float32Array, dims);
  throw new Error(`model output is ${value.type}, expected float32 or float16`);
}

/** Concatenates tensors along the batch axis. */
function concatBatch(parts: Tensor[]): Tensor {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.data.length, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data, offset);
    offset += p.data.length;
  }
  return tensor(data, [parts.reduce((n, p) => n + p.dims[0], 0), ...parts[0].dims.slice(1)]);
}

/** Rows [start, end) of a batched tensor, as a view. */
function batchSlice(t: Tensor, start: number, end: number): Tensor {
  const per = t.data.length / t.dims[0];
  return tensor(t.data.subarray(start * per, end * per), [end - start, ...t.dims.slice(1)]);
}

/**
 * Runs `fn` on batches of the export's fixed batch size (e.g. a batch-1 UNet runs CFG as two calls);
 * a short last batch is padded by repeating its last row, and the padding's output dropped.
 */
async function inFixedBatches(batch: number, fixed: number | null, fn: (start: number, size: number) => Promise<Tensor>): Promise<Tensor> {
  if (fixed === null || fixed === batch) return fn(0, batch);
  const parts: Tensor[] = [];
  for (let start = 0; start < batch; start += fixed) {
    const size = Math.min(fixed, batch - start);
    const out = await fn(start, size);
    parts.push(size === out.dims[0] ? out : batchSlice(out, 0, size));
  }
  return concatBatch(parts);
}

/** Batch rows [start, start+size) padded to `fixed` rows by repeating the last one. */
function padRows(t: Tensor, start: number, size: number, fixed: number | null): Tensor {
  const slice = batchSlice(t, start, start + size);
  if (fixed === null || fixed === size) return slice;
  const per = t.data.length / t.dims[0];
  const data = new Float32Array(fixed * per);
  data.set(slice.data);
  for (let r = size; r < fixed; r++) data.copyWithin(r * per, (size - 1) * per, size * per);
  return tensor(data, [fixed, ...t.dims.slice(1)]);
}

/**
 * Session options per provider. DirectML supports neither memory patterns nor parallel execution (ONNX
 * Runtime's DirectML EP documentation: session creation fails unless both are off).
 */
export function sessionOptions(provider: string, threads = 0, spinning = true): ort.InferenceSession.SessionOptions {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: [provider], graphOptimizationLevel: 'all' };
  // 0 leaves ONNX Runtime's own choice; otherwise the CPU kernels (and any node a GPU provider hands back
  // to the CPU) use this many threads within one op.
  if (threads > 0) options.intraOpNumThreads = threads;
  // Session config entries: session.intra_op.allow_spinning (threads.ts: threadSpinning), and, where the
  // threads spin, session.force_spinning_stop: they spin between the ops of a run, not after it returns, when
  // the inference thread does the step's own work and would share the cores with them (threads.ts).
  options.extra = { session: spinning ? { force_spinning_stop: '1' } : { intra_op: { allow_spinning: '0' } } };
  if (provider === 'dml') return { ...options, enableMemPattern: false, executionMode: 'sequential' };
  // On the CPU no memory pattern either. With it, a session's second run plans one new block for all its
  // activations and faults it in afresh: the full-size UNet's second run took 13.6–14.2 s and 580 000 page
  // faults (2.3 GB) against 5.3–5.7 s and ~150 without, the VAE decoder's 9.2 s and 206 000 against 7.0 s
  // and 65; later runs are as fast either way (UNet 5.2–5.7 s, decoder 6.8–7.1 s). That second run is in
  // a user's first job (the UNet) and second job (the VAEs). The arena still keeps the memory between
  // runs. (Those faults did not cause the ~100 ms event-loop delays at full size: they stayed; README.)
  if (provider === 'cpu') return { ...options, enableMemPattern: false };
  return options;
}

export interface LoadOptions {
  /** `--vae DIR`: this decoder replaces the model's for every job, fast or not. */
  vae?: string;
}

/** A decoder the runtime holds: its folder, its session and what the session takes. */
interface Decoder {
  folder: VaeDecoderFolder;
  session: ort.InferenceSession;
  io: VaeDecoderIO;
}

/** The decoders a job can use: the normal one, and fast mode's tiny one (null when there is none). */
export interface Decoders {
  normal: VaeDecoderFolder;
  tiny: VaeDecoderFolder | null;
}

/** An encoder the runtime holds (fast mode's TAESD encoder; the normal one is `sessions.vaeEnc`). */
interface Encoder {
  folder: VaeDecoderFolder;
  session: ort.InferenceSession;
  io: VaeEncoderIO;
}

/** Which decoder files a model loads: `--vae` replaces both; else vae_decoder/ and vae_decoder_tiny/ if present. */
export function resolveDecoders(folder: ModelFolder, vae: string | undefined): Decoders {
  if (vae !== undefined) {
    const replacement = inspectVaeFolder(vae);
    return { normal: replacement, tiny: replacement.kind === 'tiny' ? replacement : null };
  }
  const normal: VaeDecoderFolder = { file: folder.files.vaeDecoder, kind: 'full', scalingFactor: null, label: 'vae_decoder' };
  return { normal, tiny: findTinyDecoder(folder.dir) };
}

/** The job's view of the runtime: everything shared, the decoder chosen (fast mode's tiny one or the normal one). */
export type JobRuntime = DiffusionRuntime & {
  readonly decoder: { label: string; kind: 'tiny' | 'full' };
  /** The VAE encoder img2img starts from: 'vae_encoder', or fast mode's 'vae_encoder_tiny'. */
  readonly encoder: string;
};

export class OnnxDiffusionRuntime implements DiffusionRuntime {
  readonly stats: RunStats = { textEncoder: 0, unet: 0, vaeEncoder: 0, vaeDecoder: 0 };
  /** The UNet's float16 context per conditioning tensor and batch rows: the same every step (SD's took 2 ms a step to convert). */
  private readonly halfContexts = new WeakMap<Tensor, Map<string, ort.Tensor>>();
  /** This thread's CPU time inside session.run (Linux; 0 elsewhere), to tell the pipeline's own CPU time apart. */
  runThreadCpuMs = 0;

  private constructor(
    readonly folder: ModelFolder,
    readonly provider: string,
    private readonly sessions: { text: ort.InferenceSession; unet: ort.InferenceSession; vaeEnc: ort.InferenceSession },
    private readonly io: { text: TextEncoderIO; unet: UnetIO; vaeEnc: VaeEncoderIO },
    private readonly decoders: { normal: Decoder; tiny: Decoder | null },
    private readonly tinyEncoder: Encoder | null,
  ) {}

  /** Loads the sessions on the best provider that works for `device`, falling back to CPU. */
  static async load(dir: string, device: Device, log: RuntimeLog, threads = 0, options: LoadOptions = {}): Promise<OnnxDiffusionRuntime> {
    const folder = inspectModelFolder(dir);
    for (const note of folder.notes) log.info(`model ${folder.name}: ${note}`);
    const decoders = resolveDecoders(folder, options.vae);
    if (options.vae !== undefined) log.info(`model ${folder.name}: VAE decoder from ${decoders.normal.label} (${decoders.normal.kind === 'tiny' ? 'TAESD' : 'full'})`);
    else if (decoders.tiny) log.info(`model ${folder.name}: tiny VAE decoder ${decoders.tiny.label} for fast mode`);
    const tinyEncoder = findTinyEncoder(folder.dir);
    if (tinyEncoder) log.info(`model ${folder.name}: tiny VAE encoder ${tinyEncoder.label} for fast mode`);
    const { providers, reason } = candidateProviders(device);
    let lastError: Error | null = null;
    for (const provider of providers) {
      try {
        const runtime = await OnnxDiffusionRuntime.loadWith(folder, decoders, tinyEncoder, provider, threads);
        log.info(`model ${folder.name} runs on ${provider} (${reason}), ${threads > 0 ? `${threads} intra-op threads` : "ONNX Runtime's default threads"}`);
        return runtime;
      } catch (err) {
        if (err instanceof ModelFolderError) throw err;
        lastError = err as Error;
        if (provider !== 'cpu') log.warn(`execution provider ${provider} failed to load (${lastError.message.split('\n')[0]}); trying the next`);
      }
    }
    throw new ModelFolderError(`could not load model ${folder.dir}: ${lastError?.message ?? 'no provider'}`);
  }

  private static async loadWith(
    folder: ModelFolder,
    decoderFiles: Decoders,
    tinyEncoderFile: VaeDecoderFolder | null,
    provider: string,
    threads: number,
  ): Promise<OnnxDiffusionRuntime> {
    const options = sessionOptions(provider, threads, threadSpinning());
    const open = async (file: string): Promise<ort.InferenceSession> => {
      try {
        // From the path, not a buffer: ONNX Runtime then finds external weight files beside model.onnx.
        return await ort.InferenceSession.create(file, options);
      } catch (err) {
        const message = (err as Error).message;
        if (/protobuf|parse|invalid model|Load model/i.test(message) && provider === 'cpu') {
          throw new ModelFolderError(`${file} is not a loadable ONNX model: ${message.split('\n')[0]}`);
        }
        throw err;
      }
    };
    const text = await open(folder.files.textEncoder);
    const unet = await open(folder.files.unet);
    const vaeEnc = await open(folder.files.vaeEncoder);
    const openDecoder = async (decoder: VaeDecoderFolder): Promise<Decoder> => {
      const session = await open(decoder.file);
      return { folder: decoder, session, io: describeVaeDecoder(session, decoder.file) };
    };
    const normal = await openDecoder(decoderFiles.normal);
    const tiny = decoderFiles.tiny === null ? null : decoderFiles.tiny === decoderFiles.normal ? normal : await openDecoder(decoderFiles.tiny);
    const io = {
      text: describeTextEncoder(text, folder.files.textEncoder),
      unet: describeUnet(unet, folder.files.unet),
      vaeEnc: describeVaeEncoder(vaeEnc, folder.files.vaeEncoder),
    };
    const tinyEncoderSession = tinyEncoderFile ? await open(tinyEncoderFile.file) : null;
    const tinyEncoder = tinyEncoderFile && tinyEncoderSession
      ? { folder: tinyEncoderFile, session: tinyEncoderSession, io: describeVaeEncoder(tinyEncoderSession, tinyEncoderFile.file) }
      : null;
    return new OnnxDiffusionRuntime(folder, provider, { text, unet, vaeEnc }, io, { normal, tiny }, tinyEncoder);
  }

  /** The tiny decoder's folder (relative to the model, or the --vae path), or null when fast mode has none. */
  get tinyDecoder(): string | null {
    return this.decoders.tiny?.folder.label ?? null;
  }

  /**
   * This runtime for one job: fast mode decodes with the tiny decoder when there is one. A view, so the
   * worker never switches shared state between jobs.
   */
  forJob(options: { fast: boolean }): JobRuntime {
    const decoder = options.fast && this.decoders.tiny ? this.decoders.tiny : this.decoders.normal;
    const encoder = options.fast ? this.tinyEncoder : null;
    const self = this;
    return {
      decoder: { label: decoder.folder.label, kind: decoder.folder.kind },
      encoder: encoder?.folder.label ?? 'vae_encoder',
      get fixedLatentSize() {
        return self.fixedLatentSize;
      },
      get unetInputChannels() {
        return self.unetInputChannels;
      },
      get timestepCondDim() {
        return self.timestepCondDim;
      },
      encodeText: (rows) => self.encodeText(rows),
      predictNoise: (sample, timestep, context, cond) => self.predictNoise(sample, timestep, context, cond),
      encodeImage: (image) => (encoder ? self.encodeTiny(encoder, image) : self.encodeImage(image)),
      decodeLatents: (latents) => self.decodeWith(decoder, latents),
    };
  }

  get fixedLatentSize(): [number, number] | null {
    return this.io.unet.fixedLatent;
  }

  /** From the UNet's metadata: a fixed 9 marks an inpainting checkpoint; anything unnamed is taken as 4. */
  get unetInputChannels(): number {
    return this.io.unet.sample.dims[1] ?? 4;
  }

  get timestepCondDim(): number | null {
    return this.io.unet.timestepCond?.dims[1] ?? null;
  }

  get hiddenSize(): number | null {
    return this.io.text.output.dims[2];
  }

  private async run(part: keyof RunStats, session: ort.InferenceSession, feeds: Record<string, ort.Tensor>, output: string): Promise<Tensor> {
    const start = performance.now();
    const cpu = threadTimes();
    const result = await session.run(feeds);
    this.stats[part] += performance.now() - start;
    // onnxruntime-node runs the session on this thread (after a setImmediate): its CPU time is the model's.
    if (cpu) this.runThreadCpuMs += (threadTimes()?.cpuMs ?? cpu.cpuMs) - cpu.cpuMs;
    return fromOrtFloat(result[output]);
  }

  async encodeText(idRows: readonly (readonly number[])[]): Promise<Tensor> {
    const { inputIds, output, fixedBatch } = this.io.text;
    return inFixedBatches(idRows.length, fixedBatch, (start, size) => {
      const rows = idRows.slice(start, start + size);
      while (fixedBatch !== null && rows.length < fixedBatch) rows.push(rows[rows.length - 1]);
      const flat = rows.flat();
      const ids =
        inputIds.type === 'int64'
          ? new ort.Tensor('int64', BigInt64Array.from(flat, (v) => BigInt(v)), [rows.length, rows[0].length])
          : new ort.Tensor('int32', Int32Array.from(flat), [rows.length, rows[0].length]);
      return this.run('textEncoder', this.sessions.text, { [inputIds.name]: ids }, output.name);
    });
  }

  private timestepTensor(timestep: number, batch: number): ort.Tensor {
    const { type, scalar } = this.io.unet.timestep;
    const dims = scalar ? [] : [batch];
    const count = scalar ? 1 : batch;
    if (type === 'int64') return new ort.Tensor('int64', new BigInt64Array(count).fill(BigInt(Math.round(timestep))), dims);
    if (type === 'float16') return new ort.Tensor('float16', new Uint16Array(count).fill(toHalf(timestep)), dims);
    return new ort.Tensor('float32', new Float32Array(count).fill(timestep), dims);
  }

  async predictNoise(sample: Tensor, timestep: number, context: Tensor, timestepCond?: Tensor): Promise<Tensor> {
    const io = this.io.unet;
    const condPort = io.timestepCond;
    if (condPort !== null && timestepCond === undefined) {
      throw new Error(`the UNet takes '${condPort.name}' (a guidance embedding) and none was given`);
    }
    return inFixedBatches(sample.dims[0], io.fixedBatch, (start, size) => {
      const s = padRows(sample, start, size, io.fixedBatch);
      const feeds: Record<string, ort.Tensor> = {
        [io.sample.name]: toOrtFloat(s.data, s.dims, io.sample),
        [io.timestep.name]: this.timestepTensor(timestep, s.dims[0]),
        [io.context.name]: this.contextTensor(context, start, size),
      };
      if (condPort !== null && timestepCond !== undefined) {
        const rows = s.dims[0];
        const width = timestepCond.data.length;
        const repeated = new Float32Array(rows * width);
        for (let r = 0; r < rows; r++) repeated.set(timestepCond.data, r * width);
        feeds[condPort.name] = toOrtFloat(repeated, [rows, width], condPort);
      }
      return this.run('unet', this.sessions.unet, feeds, io.output.name);
    });
  }

  /** Rows [start, start+size) of the conditioning as the UNet takes them (float16 ones made once: halfContexts). */
  private contextTensor(context: Tensor, start: number, size: number): ort.Tensor {
    const { context: port, fixedBatch } = this.io.unet;
    const convert = (): ort.Tensor => {
      const c = padRows(context, start, size, fixedBatch);
      return toOrtFloat(c.data, c.dims, port);
    };
    if (port.type === 'float32') return convert();
    let cached = this.halfContexts.get(context);
    if (!cached) this.halfContexts.set(context, (cached = new Map<string, ort.Tensor>()));
    const key = `${start}/${size}`;
    let half = cached.get(key);
    if (!half) cached.set(key, (half = convert()));
    return half;
  }

  async encodeImage(image: Tensor): Promise<Tensor> {
    const io = this.io.vaeEnc;
    const out = await this.run('vaeEncoder', this.sessions.vaeEnc, { [io.input.name]: toOrtFloat(image.data, image.dims, io.input) }, io.output.name);
    if (io.kind === 'latent_sample') return out;
    // mean ‖ logvar: the mean is the first 4 channels (DESIGN §3: seeds stay exporter-independent).
    const [n, channels, h, w] = out.dims;
    const mean = new Float32Array(n * 4 * h * w);
    for (let b = 0; b < n; b++) mean.set(out.data.subarray(b * channels * h * w, (b * channels + 4) * h * w), b * 4 * h * w);
    return tensor(mean, [n, 4, h, w]);
  }

  /** TAESD's encoder gives the UNet's latent itself (factor 1): back to unscaled, as encodeImage returns. */
  private async encodeTiny(encoder: Encoder, image: Tensor): Promise<Tensor> {
    const { io } = encoder;
    const out = await this.run('vaeEncoder', encoder.session, { [io.input.name]: toOrtFloat(image.data, image.dims, io.input) }, io.output.name);
    const factor = (encoder.folder.scalingFactor ?? 1) / this.folder.latentScale;
    return tensor(out.data.map((v) => v * factor), out.dims);
  }

  async decodeLatents(latents: Tensor): Promise<Tensor> {
    return this.decodeWith(this.decoders.normal, latents);
  }

  /**
   * `latents` are unscaled (the UNet's ÷ the model's factor, 0.18215 for SD); a decoder with its own factor
   * gets them rescaled to it: TAESD (factor 1) decodes the UNet's latents as they are.
   */
  private async decodeWith(decoder: Decoder, latents: Tensor): Promise<Tensor> {
    const { io } = decoder;
    const factor = decoder.folder.scalingFactor === null ? 1 : this.folder.latentScale / decoder.folder.scalingFactor;
    const data = factor === 1 ? latents.data : latents.data.map((v) => v * factor);
    return this.run('vaeDecoder', decoder.session, { [io.input.name]: toOrtFloat(data, latents.dims, io.input) }, io.output.name);
  }

  async release(): Promise<void> {
    const decoders = new Set([this.decoders.normal.session, this.decoders.tiny?.session, this.tinyEncoder?.session].filter((s) => s !== undefined));
    await Promise.all([...Object.values(this.sessions), ...decoders].map((s) => s.release()));
  }
}
