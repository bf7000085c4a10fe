/**
 * A minimal protocol-buffers encoder and the ONNX messages we write with it.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ . Field numbers: onnx/onnx `onnx/onnx.proto`
 * (proto2). ONNX declares `dims`, `AttributeProto.floats` and `.ints` without `[packed = true]`, so we write them
 * unpacked, as onnx's own serializer does (parsers accept both forms).
 */

const enum WireType {
  Varint = 0,
  LengthDelimited = 2,
  Fixed32 = 5,
}

const utf8 = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  /** Integers are written as (u)int64 varints; negative values take 10 bytes (two's complement). */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WireType.Varint);
    this.rawVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    this.rawFloat(value);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.rawVarint(data.length);
    this.append(data);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message; `encode` fills a fresh writer whose bytes become the field's payload. */
  message(field: number, encode: (writer: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    encode(child);
    return this.bytes(field, child.finish());
  }

  /** `repeated int64 … [packed = true]`: one length-delimited field holding all the varints. */
  packedVarints(field: number, values: readonly (number | bigint)[]): this {
    const child = new ProtoWriter();
    for (const value of values) child.rawVarint(value);
    return this.bytes(field, child.finish());
  }

  /** `repeated float … [packed = true]`. */
  packedFloats(field: number, values: readonly number[]): this {
    const child = new ProtoWriter();
    for (const value of values) child.rawFloat(value);
    return this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private tag(field: number, wireType: WireType): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new Error(`protobuf varint needs a safe integer, got ${value}`);
    }
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.appendByte(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.appendByte(Number(rest));
  }

  private rawFloat(value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.append(bytes);
  }

  private appendByte(byte: number): void {
    this.reserve(1);
    this.buffer[this.length++] = byte;
  }

  private append(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

// ---- ONNX messages (only the fields we write) ----

/** TensorProto.DataType values, named like onnxruntime's `Tensor.Type`. */
export const ELEM_TYPE = { float32: 1, int32: 6, int64: 7, float16: 10 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

/** Where a tensor's bytes live in an external file (TensorProto.external_data). */
export interface ExternalLocation {
  location: string;
  offset: number;
  length: number;
}

export interface TensorProto {
  name: string;
  elemType: ElemType;
  dims: readonly number[];
  /** Little-endian element bytes; absent when the data is external. */
  rawData?: Uint8Array;
  external?: ExternalLocation;
}

export type AttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: TensorProto }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'ints'; value: readonly number[] };

export interface NodeProto {
  name: string;
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
  domain?: string;
}

/** A dimension: a fixed size or a symbolic name (dim_param). */
export type Dim = number | string;

export interface ValueInfoProto {
  name: string;
  elemType: ElemType;
  /** [] declares a scalar (rank 0). */
  shape: readonly Dim[];
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  opsetImports: readonly OperatorSetId[];
  graph: GraphProto;
}

const DATA_LOCATION_EXTERNAL = 1;

export function writeTensor(w: ProtoWriter, tensor: TensorProto): void {
  for (const dim of tensor.dims) w.varint(1, dim);
  w.varint(2, ELEM_TYPE[tensor.elemType]);
  w.string(8, tensor.name);
  if (tensor.rawData) w.bytes(9, tensor.rawData);
  if (tensor.external) {
    const { location, offset, length } = tensor.external;
    const entries: [string, string][] = [['location', location], ['offset', String(offset)], ['length', String(length)]];
    for (const [key, value] of entries) w.message(13, (entry) => entry.string(1, key).string(2, value));
    w.varint(14, DATA_LOCATION_EXTERNAL);
  }
}

export function writeAttribute(w: ProtoWriter, name: string, attribute: AttributeValue): void {
  w.string(1, name);
  switch (attribute.type) {
    case 'float':
      w.float(2, attribute.value);
      break;
    case 'int':
      w.varint(3, attribute.value);
      break;
    case 'string':
      w.string(4, attribute.value);
      break;
    case 'tensor':
      w.message(5, (t) => writeTensor(t, attribute.value));
      break;
    case 'floats':
      for (const value of attribute.value) w.float(7, value);
      break;
    case 'ints':
      for (const value of attribute.value) w.varint(8, value);
      break;
  }
  w.varint(20, ATTRIBUTE_TYPE[attribute.type]);
}

export function writeNode(w: ProtoWriter, node: NodeProto): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => writeAttribute(a, name, attribute));
  }
  if (node.domain) w.string(7, node.domain);
}

export function writeValueInfo(w: ProtoWriter, info: ValueInfoProto): void {
  w.string(1, info.name);
  // TypeProto { tensor_type = 1: { elem_type = 1, shape = 2: { dim = 1: { dim_value = 1 | dim_param = 2 } } } }
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.varint(1, ELEM_TYPE[info.elemType]);
      // Always present, even empty: an absent shape means "unknown rank", an empty one means scalar.
      tensorType.message(2, (shape) => {
        for (const dim of info.shape) {
          shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
        }
      });
    }),
  );
}

export function writeGraph(w: ProtoWriter, graph: GraphProto): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  for (const tensor of graph.initializers) w.message(5, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
}

export function encodeModel(model: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, model.irVersion);
  w.string(2, model.producerName);
  if (model.producerVersion) w.string(3, model.producerVersion);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsetImports) {
    w.message(8, (o) => o.string(1, opset.domain).varint(2, opset.version));
  }
  return w.finish();
}
