/**
 * A small builder for ONNX graphs: declare inputs, add initializers and nodes, declare outputs, get a ModelProto.
 *
 *   const g = new GraphBuilder('double');
 *   const x = g.input('x', 'float32', ['batch', 4]);
 *   g.output(g.op('Mul', [x, g.constFloat(2)]), 'y', 'float32', ['batch', 4]);
 *   const model = g.toModel();
 */
import { AttributeValue, Dim, ElemType, ModelProto, NodeProto, TensorProto, ValueInfoProto } from './proto-writer';

/** ONNX IR version 8 (2021-07-30) is read by every onnxruntime since 1.10; opset 17 brings LayerNormalization. */
export const IR_VERSION = 8;
export const OPSET_VERSION = 17;

/** Typed constructors for node attributes, so that `1` as a float and `1` as an int cannot be confused. */
export const attr = {
  int: (value: number): AttributeValue => ({ type: 'int', value }),
  float: (value: number): AttributeValue => ({ type: 'float', value }),
  ints: (value: readonly number[]): AttributeValue => ({ type: 'ints', value }),
  floats: (value: readonly number[]): AttributeValue => ({ type: 'floats', value }),
  string: (value: string): AttributeValue => ({ type: 'string', value }),
  tensor: (value: TensorProto): AttributeValue => ({ type: 'tensor', value }),
};

export type Attributes = Readonly<Record<string, AttributeValue>>;

/** Element data for an initializer; float16 is given as its IEEE half bit patterns. */
export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint16Array;

// TensorProto raw_data is little-endian; typed arrays use the platform's order, which is little-endian on every
// platform onnxruntime-node ships for (x64, arm64).
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A TensorProto with the data stored inline. */
export function makeTensor(name: string, elemType: ElemType, dims: readonly number[], data: TensorData): TensorProto {
  if (!LITTLE_ENDIAN) throw new Error('ONNX tensor encoding assumes a little-endian platform');
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`tensor ${name}: ${data.length} elements given, dims [${dims.join(',')}] need ${count}`);
  }
  const rawData = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return { name, elemType, dims: [...dims], rawData };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private readonly usedNames = new Set<string>();
  private readonly constants = new Map<string, string>();
  private nodeCount = 0;

  constructor(readonly name: string) {}

  input(name: string, elemType: ElemType, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push({ name, elemType, shape: [...shape] });
    return name;
  }

  /** Declares `value` as the graph output `name` (through an Identity node when the names differ). */
  output(value: string, name: string, elemType: ElemType, shape: readonly Dim[]): void {
    if (value !== name) this.op('Identity', [value], {}, name);
    this.outputs.push({ name, elemType, shape: [...shape] });
  }

  initializer(name: string, elemType: ElemType, dims: readonly number[], data: TensorData): string {
    this.claim(name);
    this.initializers.push(makeTensor(name, elemType, dims, data));
    return name;
  }

  /** An initializer made elsewhere, e.g. one whose bytes were already streamed to an external data file. */
  addInitializer(tensor: TensorProto): string {
    this.claim(tensor.name);
    this.initializers.push(tensor);
    return tensor.name;
  }

  /** A float32 weight. */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    return this.initializer(name, 'float32', dims, data);
  }

  /** A shared float32 constant (scalar unless dims are given), created once per distinct value. */
  constFloat(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [list.length]);
    return this.constant('f32', list, shape, () => new Float32Array(list), 'float32');
  }

  /** A shared int64 constant, e.g. the target shape of a Reshape or the axes of an Unsqueeze. */
  constInt64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant('i64', values, dims, () => BigInt64Array.from(values, (v) => BigInt(v)), 'int64');
  }

  /** Adds a node with one output and returns that output's name (generated unless given). */
  op(opType: string, inputs: readonly string[], attributes: Attributes = {}, outputName?: string): string {
    return this.node(opType, inputs, attributes, [outputName ?? ''])[0];
  }

  /** Adds a node; empty output names are generated. Returns the output names. */
  node(opType: string, inputs: readonly string[], attributes: Attributes, outputNames: readonly string[]): string[] {
    const nodeName = this.unique(`${opType}_${this.nodeCount++}`);
    const outputs = outputNames.map((given, i) => (given ? this.claim(given) : this.unique(`${nodeName}_out${i}`)));
    this.nodes.push({ name: nodeName, opType, inputs: [...inputs], outputs, attributes });
    return outputs;
  }

  toModel(producerName = 'insaneres', producerVersion?: string): ModelProto {
    return {
      irVersion: IR_VERSION,
      producerName,
      producerVersion,
      opsetImports: [{ domain: '', version: OPSET_VERSION }],
      graph: {
        name: this.name,
        nodes: [...this.nodes],
        initializers: [...this.initializers],
        inputs: [...this.inputs],
        outputs: [...this.outputs],
      },
    };
  }

  private constant(
    kind: string,
    values: readonly number[],
    dims: readonly number[],
    data: () => TensorData,
    elemType: ElemType,
  ): string {
    const key = `${kind}[${dims.join(',')}]:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const name = this.initializer(this.freshName(`const_${this.constants.size}`), elemType, dims, data());
    this.constants.set(key, name);
    return name;
  }

  private claim(name: string): string {
    if (this.usedNames.has(name)) throw new Error(`graph ${this.name}: the name ${name} is used twice`);
    this.usedNames.add(name);
    return name;
  }

  /** `base`, or `base_1`, `base_2`… if taken (not claimed yet). */
  private freshName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    return name;
  }

  private unique(base: string): string {
    return this.claim(this.freshName(base));
  }
}
