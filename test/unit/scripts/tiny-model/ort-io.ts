/** Feeding and reading onnxruntime tensors whatever their declared dtype (float32 / float16 / int32 / int64). */
import * as ort from 'onnxruntime-node';

const scratch = new DataView(new ArrayBuffer(4));

/** IEEE half bits of a float32 value (round half up; enough for test data in a sane range). */
export function toHalfBits(value: number): number {
  scratch.setFloat32(0, value);
  const bits = scratch.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    return sign | ((((mantissa | 0x800000) >>> (1 - exponent)) + 0x1000) >>> 13);
  }
  return sign | ((exponent << 10) + ((mantissa + 0x1000) >>> 13)); // a mantissa carry rolls into the exponent
}

export function fromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

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
      return new ort.Tensor('float16', Uint16Array.from(values, toHalfBits), dims);
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
  if (tensor.type === 'float16') return Float32Array.from(tensor.data as Uint16Array, fromHalfBits);
  throw new Error(`expected a float output, got ${tensor.type}`);
}

export function meanAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

export function maxAbs(values: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < values.length; i++) largest = Math.max(largest, Math.abs(values[i]));
  return largest;
}

export function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
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
