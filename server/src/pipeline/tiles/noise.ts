import { Tensor, tensor } from '../../tensor';
import type { NoiseSource } from '../noise';
import { LATENT_CELL, TileLayout } from './layout';
import type { Rect } from './rect';

/**
 * One noise field over the whole latent canvas, drawn once per job from the seed; every tile's initial
 * noise is its window of that field, so overlapping tiles start from identical noise where they overlap.
 */
export function noiseFieldDims(layout: TileLayout): [number, number, number, number] {
  return [1, 4, layout.canvasHeight / LATENT_CELL, layout.canvasWidth / LATENT_CELL];
}

/** The [1,C,h/8,w/8] window of a [1,C,H/8,W/8] latent field under the pixel rectangle `area`. */
export function cutNoiseWindow(field: Tensor, area: Rect): Tensor {
  const [batch, channels, fieldHeight, fieldWidth] = field.dims;
  if (field.dims.length !== 4 || batch !== 1) {
    throw new Error(`the noise field must be [1,C,h,w], got [${field.dims.join(',')}]`);
  }
  if ([area.x, area.y, area.width, area.height].some((v) => v % LATENT_CELL !== 0)) {
    throw new Error(`a noise window must lie on the ${LATENT_CELL}-px latent grid, got ${JSON.stringify(area)}`);
  }
  const x = area.x / LATENT_CELL;
  const y = area.y / LATENT_CELL;
  const width = area.width / LATENT_CELL;
  const height = area.height / LATENT_CELL;
  if (x < 0 || y < 0 || x + width > fieldWidth || y + height > fieldHeight) {
    throw new Error(
      `the noise window ${JSON.stringify(area)} lies outside the field of ${fieldWidth * LATENT_CELL}×` +
        `${fieldHeight * LATENT_CELL} px`,
    );
  }
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let row = 0; row < height; row++) {
      const source = (c * fieldHeight + y + row) * fieldWidth + x;
      out.set(field.data.subarray(source, source + width), (c * height + row) * width);
    }
  }
  return tensor(out, [1, channels, height, width]);
}

/**
 * A job's noise over a latent field of `fieldDims` = [1,4,H/8,W/8], handed to each tile as its window.
 * Draw 0 (the initial noise, which every tile needs) is drawn once and kept; later draws (the noise samplers
 * add between steps) are drawn for the tile's window alone (the generator is counter-based), and agree
 * across tiles as well.
 */
export class TiledNoise {
  private initialField: Tensor | null = null;

  constructor(
    private readonly source: NoiseSource,
    readonly fieldDims: readonly number[],
  ) {}

  forTile(area: Rect): NoiseSource {
    const cells = { x: area.x / LATENT_CELL, y: area.y / LATENT_CELL, width: area.width / LATENT_CELL, height: area.height / LATENT_CELL };
    const expected = [1, this.fieldDims[1], cells.height, cells.width].join(',');
    const check = (dims: readonly number[]): void => {
      if (dims.join(',') !== expected) throw new Error(`the tile asked for noise [${dims.join(',')}] but its window is [${expected}]`);
    };
    return {
      draw: (drawIndex, dims) => {
        check(dims);
        if (drawIndex === 0) return cutNoiseWindow(this.initial(), area).data;
        return this.source.drawWindow(drawIndex, this.fieldDims, cells);
      },
      drawWindow: () => {
        throw new Error('a tile’s noise is already a window of the job’s field');
      },
    };
  }

  private initial(): Tensor {
    this.initialField ??= tensor(this.source.draw(0, this.fieldDims), this.fieldDims);
    return this.initialField;
  }
}
