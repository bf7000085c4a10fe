/** @jest-environment ./test/helpers/ort-environment.js */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { attr, GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { saveModel, serializeModel } from '../../../server/src/onnx/model-file';

/** y = (x · 2 + bias) with a 2 KB bias, and its sum over the last axis. */
function affineModel(): GraphBuilder {
  const g = new GraphBuilder('affine');
  const x = g.input('x', 'float32', ['batch', 512]);
  const bias = g.weight('bias', [512], Float32Array.from({ length: 512 }, (_, i) => i / 512));
  const y = g.op('Add', [g.op('Mul', [x, g.constFloat(2)]), bias]);
  g.output(y, 'y', 'float32', ['batch', 512]);
  const total = g.op('ReduceSum', [y, g.constInt64([1])], { keepdims: attr.int(0) }, 'total');
  g.output(total, 'total', 'float32', ['batch']);
  return g;
}

async function runAffine(session: ort.InferenceSession): Promise<Float32Array> {
  const x = new ort.Tensor('float32', new Float32Array(2 * 512).fill(1), [2, 512]);
  const outputs = await session.run({ x });
  return outputs.y.data as Float32Array;
}

describe('GraphBuilder', () => {
  it('builds a model that onnxruntime loads and computes correctly', async () => {
    const session = await ort.InferenceSession.create(serializeModel(affineModel().toModel()).model);
    expect(session.inputMetadata).toEqual([{ name: 'x', isTensor: true, type: 'float32', shape: ['batch', 512] }]);
    expect(session.outputNames).toEqual(['y', 'total']);
    const y = await runAffine(session);
    expect(y[0]).toBeCloseTo(2);
    expect(y[511]).toBeCloseTo(2 + 511 / 512);
    expect(y[512 + 256]).toBeCloseTo(2.5);
    await session.release();
  });

  it('accepts scalar, int64 and float16 inputs', async () => {
    const g = new GraphBuilder('types');
    const t = g.input('t', 'float32', []);
    const n = g.input('n', 'int64', [2]);
    const h = g.input('h', 'float16', [1]);
    const asFloat = (value: string): string => g.op('Cast', [value], { to: attr.int(1) });
    const sum = g.op('Add', [g.op('Add', [t, asFloat(n)]), asFloat(h)]);
    g.output(sum, 'sum', 'float32', [2]);
    const session = await ort.InferenceSession.create(serializeModel(g.toModel()).model);
    expect(session.inputMetadata.map((m) => (m.isTensor ? [m.type, m.shape] : null))).toEqual([
      ['float32', []],
      ['int64', [2]],
      ['float16', [1]],
    ]);
    const outputs = await session.run({
      t: new ort.Tensor('float32', new Float32Array([0.5]), []),
      n: new ort.Tensor('int64', new BigInt64Array([1n, -3n]), [2]),
      h: new ort.Tensor('float16', new Uint16Array([0x3c00]), [1]), // 1.0 in IEEE half
    });
    expect(Array.from(outputs.sum.data as Float32Array)).toEqual([2.5, -1.5]);
    await session.release();
  });

  it('shares equal constants and refuses a name used twice', () => {
    const g = new GraphBuilder('names');
    expect(g.constInt64([0, 8, -1])).toBe(g.constInt64([0, 8, -1]));
    expect(g.constFloat(1)).not.toBe(g.constFloat([1]));
    g.input('x', 'float32', [1]);
    expect(() => g.weight('x', [1], new Float32Array(1))).toThrow(/used twice/);
    expect(() => g.weight('w', [2], new Float32Array(3))).toThrow(/need 2/);
  });
});

describe('external data', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'insaneres-onnx-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves large initializers to an aligned external file that onnxruntime reads from the model path', async () => {
    const model = affineModel().toModel();
    const external = { fileName: 'model.onnx_data', minBytes: 1024 };
    const serialized = serializeModel(model, external);
    // The 2 KB bias moves out; the 4- and 8-byte constants stay inline.
    expect(serialized.externalData?.length).toBe(2048);
    expect(serialized.model.length).toBeLessThan(512);

    const modelPath = path.join(dir, 'model.onnx');
    expect(await saveModel(modelPath, model, external)).toEqual([modelPath, path.join(dir, 'model.onnx_data')]);
    const session = await ort.InferenceSession.create(modelPath);
    const inline = await ort.InferenceSession.create(serializeModel(model).model);
    expect(await runAffine(session)).toEqual(await runAffine(inline));
    await Promise.all([session.release(), inline.release()]);
  });

  it('aligns every external tensor to 4096 bytes', () => {
    const g = new GraphBuilder('two');
    const x = g.input('x', 'float32', [300]);
    const a = g.weight('a', [300], new Float32Array(300).fill(1));
    const b = g.weight('b', [300], new Float32Array(300).fill(2));
    g.output(g.op('Add', [g.op('Add', [x, a]), b]), 'y', 'float32', [300]);
    const serialized = serializeModel(g.toModel(), { fileName: 'd', minBytes: 1024 });
    const data = serialized.externalData as Uint8Array;
    expect(data.length).toBe(4096 + 1200);
    expect(new Float32Array(data.buffer, data.byteOffset, 300)[299]).toBe(1);
    expect(new Float32Array(data.buffer, data.byteOffset + 4096, 300)[0]).toBe(2);
  });
});
