/**
 * Serializes a ModelProto to `model.onnx`, optionally moving large initializers to an external data file
 * beside it, as `onnx.save_model(..., save_as_external_data=True)` does for models over protobuf's 2 GB limit.
 */
import * as fs from 'fs';
import * as path from 'path';
import { encodeModel, ModelProto, TensorProto } from './proto-writer';

export interface ExternalDataOptions {
  /** File name relative to the model file; ONNX Runtime resolves it from the model's folder. */
  fileName: string;
  /** Initializers of at least this many bytes go to the external file (onnx's default threshold is 1024). */
  minBytes: number;
}

export interface SerializedModel {
  model: Uint8Array;
  /** The external data file's contents, when any initializer was moved there. */
  externalData?: Uint8Array;
}

/** The ONNX spec asks for page-aligned offsets so that runtimes can mmap each tensor. */
const EXTERNAL_ALIGNMENT = 4096;

export function serializeModel(model: ModelProto, external?: ExternalDataOptions): SerializedModel {
  if (!external) return { model: encodeModel(model) };

  const chunks: { offset: number; data: Uint8Array }[] = [];
  let end = 0;
  const initializers = model.graph.initializers.map((tensor): TensorProto => {
    if (!tensor.rawData || tensor.rawData.length < external.minBytes) return tensor;
    const offset = Math.ceil(end / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
    chunks.push({ offset, data: tensor.rawData });
    end = offset + tensor.rawData.length;
    const { rawData: _moved, ...rest } = tensor;
    return { ...rest, external: { location: external.fileName, offset, length: tensor.rawData.length } };
  });
  if (chunks.length === 0) return { model: encodeModel(model) };

  const externalData = new Uint8Array(end);
  for (const chunk of chunks) externalData.set(chunk.data, chunk.offset);
  return { model: encodeModel({ ...model, graph: { ...model.graph, initializers } }), externalData };
}

/** Writes `filePath` (and its external data file, if any); returns the paths written. */
export async function saveModel(filePath: string, model: ModelProto, external?: ExternalDataOptions): Promise<string[]> {
  const serialized = serializeModel(model, external);
  await fs.promises.writeFile(filePath, serialized.model);
  if (!serialized.externalData || !external) return [filePath];
  const dataPath = path.join(path.dirname(filePath), external.fileName);
  await fs.promises.writeFile(dataPath, serialized.externalData);
  return [filePath, dataPath];
}
