import type { InferenceSession } from 'onnxruntime-node';
import { ModelFolderError } from '../../../../server/src/runtime/model-folder';
import { describeUnet } from '../../../../server/src/runtime/session-io';

/** Just the metadata describeUnet reads, as an SD 1.5 export declares it, with `channels` on the sample. */
function unetSession(channels: number | string): InferenceSession {
  const tensor = (name: string, shape: (number | string)[], type = 'float32') => ({ name, isTensor: true, type, shape });
  return {
    inputMetadata: [
      tensor('sample', ['batch', channels, 'height', 'width']),
      tensor('timestep', ['batch'], 'int64'),
      tensor('encoder_hidden_states', ['batch', 'sequence', 768]),
    ],
    outputMetadata: [tensor('out_sample', ['batch', 4, 'height', 'width'])],
  } as unknown as InferenceSession;
}

describe('the UNet sample channels', () => {
  it.each([
    [4, 4],
    [9, 9], // SD 1.5 inpainting: latents ‖ mask ‖ masked-image latents
    ['channels', null], // symbolic: taken as an ordinary UNet
  ])('%s channels are read as %s', (channels, expected) => {
    expect(describeUnet(unetSession(channels), 'unet/model.onnx').sample.dims[1]).toBe(expected);
  });

  it('refuses other channel counts, naming the file and what is accepted', () => {
    expect(() => describeUnet(unetSession(5), 'unet/model.onnx')).toThrow(ModelFolderError);
    expect(() => describeUnet(unetSession(5), 'unet/model.onnx')).toThrow("unet/model.onnx: 'sample' has 5 channels, expected 4 (SD 1.x) or 9 (SD 1.x inpainting)");
  });
});
