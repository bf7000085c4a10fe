/** Feeding and reading onnxruntime tensors whatever their declared dtype (float32 / float16 / int32 / int64). */
import * as ort from 'onnxruntime-node';
import { fromHalf, toHalf } from '../../../../server/src/runtime/float16';

/** `Math` and `Number` through module constants: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;
const { isFinite: finite } = Number;


export function metadataOf(metadata: readonly ort.InferenceSession.ValueMetadata[], name: string): ort.InferenceSession.TensorValueMetadata {
  const found = metadata.find((m) => m.name === name);
  if (!found || !found.isTensor) throw new Error(`no tensor named ${name}`);
  return found;
}

/** A tensor of `values` in the dtype the session declares for input `name`. */
export function feed(session: ort.InferenceSession, name: string, values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  const { type } = metadataOf(session.inputMetadata, name);
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case 'float16':
      return new ort.Tensor('float16', Uint16Array.from(values, (v) => toHalf(v)), dims);
    case 'int32':
      return new ort.Tensor('int32', Int32Array.from(values), dims);
    case 'int64':
      return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
    default:
      throw new Error(`input ${name} has unexpected type ${type}`);
  }
}

/** A float output as float32 values. */
export function readFloats(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return Float32Array.from(tensor.data as Uint16Array, (h) => fromHalf(h));
  throw new Error(`expected a float output, got ${tensor.type}`);
}

export function meanAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += math.abs(a[i] - b[i]);
  return sum / a.length;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = math.max(largest, math.abs(values[i]));
  return largest;
}

export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!finite(values[i])) return false;
  return true;
}

/** A smooth RGB test image in [-1, 1], NCHW. */
export function gradientImage(height: number, width: number): Float32Array {
  const image = new Float32Array(3 * height * width);
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      image[y * width + x] = -1 + (2 * x) / (width - 1);
      image[plane + y * width + x] = -1 + (2 * y) / (height - 1);
      image[2 * plane + y * width + x] = 0.6 - (x + y) / (width + height);
    }
  }
  return image;
}
