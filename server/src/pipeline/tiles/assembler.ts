import type { RawImage } from '../../engine/types';
import { maxSample } from '../../image/convert';
import type { Tensor } from '../../tensor';
import { BlendMode, BlendWeights, blendWeights } from './blend';
import type { Tile, TileLayout } from './layout';

export interface AssemblerOptions {
  /** 'cosine' (default) ramps across the whole overlap; 'none' cuts hard (to show that seam tests see seams). */
  blend?: BlendMode;
}

/**
 * Builds the upscaled image tile by tile, keeping no finished tile.
 *
 * Tiles arrive row by row (any order within a row). Their weighted pixels go into a float *band* as tall
 * as one tile row, a ring buffer over canvas rows: when the first tile of a new row arrives, every canvas
 * row above that row's top has all its contributions (no later tile reaches above it), so those rows are
 * quantised into `target` and their band rows reused. Memory is the target plus canvasWidth × tileHeight
 * × 4 floats, whatever the tile count.
 *
 * Only the RGB channels of `target` are written (alpha stays as the caller put it), and a canvas row is
 * written only once no tile still to come reads it: `target` may therefore be the enlarged source itself,
 * from which the remaining tiles are cut, and the preview then shows the source where no tile is done.
 */
export class TileAssembler {
  private readonly weights: BlendWeights;
  /** (r, g, b in [0,1], weight) per canvas pixel of the rows [bandTop, bandTop + tileHeight), ring-indexed by row. */
  private readonly band: Float32Array;
  private bandTop = 0;
  private currentRow = 0;
  private readonly added: boolean[];
  private addedCount = 0;
  private finished = false;

  constructor(
    readonly layout: TileLayout,
    readonly target: RawImage,
    options: AssemblerOptions = {},
  ) {
    if (target.width !== layout.imageWidth || target.height !== layout.imageHeight) {
      throw new Error(
        `the target is ${target.width}×${target.height} px but the layout is for ` +
          `${layout.imageWidth}×${layout.imageHeight} px`,
      );
    }
    this.weights = blendWeights(layout, options.blend ?? 'cosine');
    this.band = new Float32Array(layout.canvasWidth * layout.tileHeight * 4);
    this.added = layout.tiles.map(() => false);
  }

  get tilesAdded(): number {
    return this.addedCount;
  }

  /** Blends a finished tile, NCHW [1,3,h,w] in [-1,1] (the VAE decoder's range), into the image. */
  add(tile: Tile, pixels: Tensor): void {
    this.checkAddable(tile, pixels);
    if (tile.row > this.currentRow) this.startRow(tile.row);

    const { x: left, y: top, width, height } = tile.rect;
    const plane = width * height;
    const columnWeights = this.weights.columns[tile.column];
    const rowWeights = this.weights.rows[tile.row];
    const { band } = this;
    const samples = pixels.data;
    for (let ty = 0; ty < height; ty++) {
      const rowWeight = rowWeights[ty];
      const bandRow = this.bandOffset(top + ty) + left * 4;
      const sourceRow = ty * width;
      for (let tx = 0, i = bandRow; tx < width; tx++, i += 4) {
        const weight = rowWeight * columnWeights[tx];
        const source = sourceRow + tx;
        // (x + 1) / 2: the model's [-1,1] to [0,1], as DESIGN §4's output rule.
        band[i] += (weight * (samples[source] + 1)) / 2;
        band[i + 1] += (weight * (samples[plane + source] + 1)) / 2;
        band[i + 2] += (weight * (samples[2 * plane + source] + 1)) / 2;
        band[i + 3] += weight;
      }
    }
    this.added[tile.index] = true;
    this.addedCount++;
  }

  /** Writes the last rows once every tile is in; returns `target`. */
  finish(): RawImage {
    if (this.finished) return this.target;
    const missing = this.layout.tiles.filter((tile) => !this.added[tile.index]);
    if (missing.length > 0) throw new Error(`cannot finish: ${missing.length} tile(s) not added, first ${describe(missing[0])}`);
    this.flushRows(this.bandTop, this.layout.canvasHeight);
    this.finished = true;
    return this.target;
  }

  /**
   * The image as assembled so far, 8-bit RGB, point-sampled down to at most `maxSide` px on its long side:
   * finished tiles (blended with their neighbours so far) over whatever `target` holds elsewhere.
   */
  preview(maxSide = 512): RawImage {
    const { imageWidth, imageHeight, tileHeight } = this.layout;
    const factor = Math.min(1, maxSide / Math.max(imageWidth, imageHeight));
    const width = Math.max(1, Math.round(imageWidth * factor));
    const height = Math.max(1, Math.round(imageHeight * factor));
    const data = new Uint8Array(width * height * 3);
    const { band } = this;
    const sampledColumns = pointSamples(width, imageWidth);
    const sampledRows = pointSamples(height, imageHeight);
    for (let py = 0; py < height; py++) {
      const y = sampledRows[py];
      const inBand = !this.finished && y >= this.bandTop && y < this.bandTop + tileHeight;
      const bandRow = inBand ? this.bandOffset(y) : -1;
      const out = py * width * 3;
      // Where no tile has reached yet, the target's own pixels (the enlarged source).
      targetRowTo8Bit(this.target, y, sampledColumns, data, out);
      if (!inBand) continue;
      for (let px = 0; px < width; px++) {
        const i = bandRow + sampledColumns[px] * 4;
        const weight = band[i + 3];
        if (weight > 0) {
          const o = out + px * 3;
          data[o] = quantise(band[i] / weight, 255);
          data[o + 1] = quantise(band[i + 1] / weight, 255);
          data[o + 2] = quantise(band[i + 2] / weight, 255);
        }
      }
    }
    return { width, height, channels: 3, bitDepth: 8, data };
  }

  private checkAddable(tile: Tile, pixels: Tensor): void {
    if (this.finished) throw new Error('the assembler is finished; no tile can be added');
    const planned = this.layout.tiles[tile.index];
    if (!planned || planned.rect.x !== tile.rect.x || planned.rect.y !== tile.rect.y) {
      throw new Error(`${describe(tile)} is not a tile of this layout`);
    }
    const expected = [1, 3, tile.rect.height, tile.rect.width];
    if (pixels.dims.join(',') !== expected.join(',')) {
      throw new Error(`${describe(tile)} needs pixels [${expected.join(',')}], got [${pixels.dims.join(',')}]`);
    }
    if (this.added[tile.index]) throw new Error(`${describe(tile)} was already added`);
    if (tile.row < this.currentRow) {
      throw new Error(`tiles must be added row by row: ${describe(tile)} came after row ${this.currentRow + 1} started`);
    }
  }

  /** Moving on to tile row `row`: the canvas rows above its top are complete. */
  private startRow(row: number): void {
    const missing = this.layout.tiles.find((tile) => tile.row < row && !this.added[tile.index]);
    if (missing) throw new Error(`tiles must be added row by row: ${describe(missing)} is missing before row ${row + 1}`);
    const top = this.layout.rowOrigins[row];
    this.flushRows(this.bandTop, top);
    this.bandTop = top;
    this.currentRow = row;
  }

  /** Quantises canvas rows [from, to) of the band into the target and clears them for reuse. */
  private flushRows(from: number, to: number): void {
    const { imageWidth, imageHeight, canvasWidth } = this.layout;
    const { channels, data } = this.target;
    const { band } = this;
    const max = maxSample(this.target.bitDepth);
    for (let y = from; y < to; y++) {
      const offset = this.bandOffset(y);
      if (y < imageHeight) {
        for (let x = 0, i = offset, out = y * imageWidth * channels; x < imageWidth; x++, i += 4, out += channels) {
          const weight = band[i + 3];
          // Dividing by the summed weight (1 up to float rounding) keeps flat areas exact.
          data[out] = quantise(band[i] / weight, max);
          data[out + 1] = quantise(band[i + 1] / weight, max);
          data[out + 2] = quantise(band[i + 2] / weight, max);
        }
      }
      band.fill(0, offset, offset + canvasWidth * 4);
    }
  }

  private bandOffset(y: number): number {
    return (y % this.layout.tileHeight) * this.layout.canvasWidth * 4;
  }
}

// A module-level alias: inside jest's vm sandbox every `Math.round` in a per-sample loop is a global
// lookup that costs ~100× a local one.
const { round } = Math;

/** round(clip(v, 0, 1) × max), DESIGN §4's output rule. */
function quantise(value: number, max: number): number {
  return round((value < 0 ? 0 : value > 1 ? 1 : value) * max);
}

/** For each of `count` output pixels, the source pixel under its centre. */
function pointSamples(count: number, sourceExtent: number): Int32Array {
  const samples = new Int32Array(count);
  for (let i = 0; i < count; i++) samples[i] = Math.min(sourceExtent - 1, Math.floor(((i + 0.5) * sourceExtent) / count));
  return samples;
}

/** Row `y` of `target`, point-sampled at `columns`, as 8-bit RGB into `into` from `offset`. */
function targetRowTo8Bit(target: RawImage, y: number, columns: Int32Array, into: Uint8Array, offset: number): void {
  const { channels, data, width } = target;
  const to8Bit = 255 / maxSample(target.bitDepth);
  const row = y * width * channels;
  for (let px = 0, o = offset; px < columns.length; px++, o += 3) {
    const source = row + columns[px] * channels;
    into[o] = round(data[source] * to8Bit);
    into[o + 1] = round(data[source + 1] * to8Bit);
    into[o + 2] = round(data[source + 2] * to8Bit);
  }
}

function describe(tile: Tile): string {
  return `tile ${tile.index + 1} (row ${tile.row + 1}, column ${tile.column + 1})`;
}
