/** A dense float32 tensor in row-major (NCHW for images/latents) order. */
export interface Tensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

export function tensor(data: Float32Array, dims: readonly number[]): Tensor {
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new Error(`tensor data has ${data.length} elements, dims [${dims.join(',')}] need ${size}`);
  }
  return { data, dims };
}

export function zeros(dims: readonly number[]): Tensor {
  return tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
}
