import type { RawImage } from '../../engine/types';
import { maxSample, reflectIndex } from '../../image/convert';
import { Tensor, tensor } from '../../tensor';
import type { Rect } from './rect';

/**
 * The RGB pixels of `rect` as the model's input: NCHW [1,3,h,w] in [-1,1]. Where the rectangle sticks out
 * of the image (the layout's canvas padding), the image is mirrored at its edge, as crop fitting pads.
 */
export function cutSourceTile(image: RawImage, area: Rect): Tensor {
  const { width, height, channels, data } = image;
  const plane = area.width * area.height;
  const out = new Float32Array(3 * plane);
  const scale = 2 / maxSample(image.bitDepth);
  // The mirrored source column of each tile column, computed once for all rows.
  const columns = new Int32Array(area.width);
  for (let column = 0; column < area.width; column++) columns[column] = reflectIndex(area.x + column, width) * channels;
  for (let row = 0; row < area.height; row++) {
    const sourceRow = reflectIndex(area.y + row, height) * width * channels;
    for (let column = 0, target = row * area.width; column < area.width; column++, target++) {
      const source = sourceRow + columns[column];
      out[target] = data[source] * scale - 1;
      out[plane + target] = data[source + 1] * scale - 1;
      out[2 * plane + target] = data[source + 2] * scale - 1;
    }
  }
  return tensor(out, [1, 3, area.height, area.width]);
}
