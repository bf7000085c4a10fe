/**
 * Expected bytes are worked out by hand from the protobuf encoding spec (https://protobuf.dev/programming-guides/
 * encoding/: tag = field << 3 | wire type) and the field numbers of onnx/onnx.proto; the first three are the
 * spec's own examples.
 */
import {
  encodeModel,
  ProtoWriter,
  writeAttribute,
  writeTensor,
  writeValueInfo,
} from '../../../server/src/onnx/proto-writer';
import { attr, makeTensor } from '../../../server/src/onnx/graph-builder';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}

function encoded(fill: (w: ProtoWriter) => void): string {
  const w = new ProtoWriter();
  fill(w);
  return hex(w.finish());
}

const ascii = (text: string): string => hex(new TextEncoder().encode(text));

describe('ProtoWriter (wire format)', () => {
  it('writes a varint field: field 1 = 150 → 08 96 01 (spec example)', () => {
    expect(encoded((w) => w.varint(1, 150))).toBe('08 96 01');
  });

  it('writes a string field: field 2 = "testing" → 12 07 74 65 73 74 69 6e 67 (spec example)', () => {
    expect(encoded((w) => w.string(2, 'testing'))).toBe('12 07 74 65 73 74 69 6e 67');
  });

  it('writes packed varints: field 4 = [3, 270, 86942] → 22 06 03 8e 02 9e a7 05 (spec example)', () => {
    expect(encoded((w) => w.packedVarints(4, [3, 270, 86942]))).toBe('22 06 03 8e 02 9e a7 05');
  });

  it('writes negative integers as 10-byte two\'s-complement varints', () => {
    expect(encoded((w) => w.varint(3, -1))).toBe('18 ff ff ff ff ff ff ff ff ff 01');
    expect(encoded((w) => w.varint(3, -2n))).toBe('18 fe ff ff ff ff ff ff ff ff 01');
  });

  it('writes fixed32 little-endian floats, single and packed', () => {
    expect(encoded((w) => w.float(2, 1))).toBe('15 00 00 80 3f');
    expect(encoded((w) => w.packedFloats(1, [1, -2]))).toBe('0a 08 00 00 80 3f 00 00 00 c0');
  });

  it('writes multi-byte tags and nested messages with their length', () => {
    expect(encoded((w) => w.varint(20, 2))).toBe('a0 01 02');
    expect(encoded((w) => w.message(3, (inner) => inner.varint(1, 150)))).toBe('1a 03 08 96 01');
    expect(encoded((w) => w.message(3, () => undefined))).toBe('1a 00');
  });

  it('rejects integers that a double cannot hold exactly', () => {
    expect(() => new ProtoWriter().varint(1, 2 ** 60)).toThrow(/safe integer/);
    expect(() => new ProtoWriter().varint(1, 1.5)).toThrow(/safe integer/);
  });

  it('grows its buffer past the initial size', () => {
    const data = new Uint8Array(1000).fill(7);
    const bytes = new ProtoWriter().bytes(1, data).finish();
    expect(bytes.length).toBe(1 + 2 + 1000);
    expect(hex(bytes.subarray(0, 3))).toBe('0a e8 07');
    expect(bytes[1002]).toBe(7);
  });
});

describe('ONNX messages', () => {
  it('TensorProto: dims (1, unpacked), data_type (2), name (8), raw_data (9)', () => {
    const tensor = makeTensor('w', 'float32', [2], new Float32Array([1, 2]));
    expect(encoded((w) => writeTensor(w, tensor))).toBe('08 02 10 01 42 01 77 4a 08 00 00 80 3f 00 00 00 40');
  });

  it('TensorProto with external data: external_data entries (13) and data_location EXTERNAL (14)', () => {
    const tensor = { name: 'w', elemType: 'int64' as const, dims: [1], external: { location: 'd', offset: 0, length: 8 } };
    const entry = (key: string, value: string): string =>
      `6a ${(key.length + value.length + 4).toString(16).padStart(2, '0')} 0a 0${key.length} ${ascii(key)} 12 0${value.length} ${ascii(value)}`;
    const expected = ['08 01 10 07 42 01 77', entry('location', 'd'), entry('offset', '0'), entry('length', '8'), '70 01'];
    expect(encoded((w) => writeTensor(w, tensor))).toBe(expected.join(' '));
  });

  it('AttributeProto: name (1), value field, then type (20)', () => {
    expect(encoded((w) => writeAttribute(w, 'axis', attr.int(-1)))).toBe(
      `0a 04 ${ascii('axis')} 18 ff ff ff ff ff ff ff ff ff 01 a0 01 02`,
    );
    expect(encoded((w) => writeAttribute(w, 'e', attr.float(0.5)))).toBe('0a 01 65 15 00 00 00 3f a0 01 01');
    expect(encoded((w) => writeAttribute(w, 'm', attr.string('ab')))).toBe('0a 01 6d 22 02 61 62 a0 01 03');
    expect(encoded((w) => writeAttribute(w, 'f', attr.floats([0.5, 1])))).toBe(
      '0a 01 66 3d 00 00 00 3f 3d 00 00 80 3f a0 01 06',
    );
    expect(encoded((w) => writeAttribute(w, 'p', attr.ints([1, 2])))).toBe('0a 01 70 40 01 40 02 a0 01 07');
    const tensor = makeTensor('v', 'float32', [1], new Float32Array([1]));
    expect(encoded((w) => writeAttribute(w, 'value', attr.tensor(tensor)))).toBe(
      `0a 05 ${ascii('value')} 2a 0d 08 01 10 01 42 01 76 4a 04 00 00 80 3f a0 01 04`,
    );
  });

  it('ValueInfoProto: name (1), TypeProto.tensor_type (1) { elem_type (1), shape (2) { dim (1) } }', () => {
    // dim "N" = 0a 03 [12 01 4e], dim 3 = 0a 02 [08 03]; shape = 9 bytes; tensor_type = 08 01 12 09 … = 13 bytes.
    const info = { name: 'x', elemType: 'float32' as const, shape: ['N', 3] };
    expect(encoded((w) => writeValueInfo(w, info))).toBe('0a 01 78 12 0f 0a 0d 08 01 12 09 0a 03 12 01 4e 0a 02 08 03');
  });

  it('ValueInfoProto of a scalar keeps an empty shape (absent would mean unknown rank)', () => {
    const info = { name: 't', elemType: 'float16' as const, shape: [] };
    expect(encoded((w) => writeValueInfo(w, info))).toBe('0a 01 74 12 06 0a 04 08 0a 12 00');
  });

  it('ModelProto: ir_version (1), producer_name (2), graph (7) { node (1), name (2), input (11), output (12) }, opset_import (8)', () => {
    const model = encodeModel({
      irVersion: 8,
      producerName: 'p',
      opsetImports: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        nodes: [{ name: 'n', opType: 'Neg', inputs: ['x'], outputs: ['y'] }],
        initializers: [],
        inputs: [{ name: 'x', elemType: 'float32', shape: [] }],
        outputs: [{ name: 'y', elemType: 'float32', shape: [] }],
      },
    });
    const node = `0a 0e 0a 01 78 12 01 79 1a 01 6e 22 03 ${ascii('Neg')}`; // input, output, name, op_type
    const scalar = (name: string): string => `0a 01 ${ascii(name)} 12 06 0a 04 08 01 12 00`;
    const graph = `${node} 12 01 67 5a 0b ${scalar('x')} 62 0b ${scalar('y')}`;
    expect(hex(model)).toBe(`08 08 12 01 70 3a 2d ${graph} 42 04 0a 00 10 11`);
  });
});
