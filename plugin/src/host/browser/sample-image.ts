/**
 * The sample picture offered by the harness: a stylised eye drawn from formulas (no image file in the
 * repository, identical in every browser). Soft edges come from a smoothstep over each shape's distance.
 */

export const SAMPLE_SIZE = { width: 512, height: 384 } as const;

const { sqrt, atan2, sin, exp, max, min, round, abs } = Math;

type Rgb = readonly [number, number, number];

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
/** 1 well inside (distance ≤ −0.75 px), 0 well outside, smooth across the edge. */
const inside = (signedDistance: number) => clamp01(0.5 - signedDistance / 1.5);
const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];

function skin(x: number, y: number, width: number, height: number): Rgb {
  const light = 1 - 0.35 * ((x / width) * 0.6 + (y / height) * 0.4);
  const freckles = 0.04 * sin(x * 0.9) * sin(y * 1.3);
  return [min(255, 236 * light * (1 + freckles)), 188 * light, 160 * light];
}

/** The sample image's RGBA pixels (opaque). */
export function samplePicture(width: number = SAMPLE_SIZE.width, height: number = SAMPLE_SIZE.height): Uint8ClampedArray {
  const out = new Uint8ClampedArray(width * height * 4);
  const cx = width / 2;
  const cy = height / 2;
  const eyeHalfWidth = width * 0.34;
  const eyeHalfHeight = height * 0.26;
  const iris = height * 0.2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let colour = skin(x, y, width, height);
      const dx = (x + 0.5 - cx) / eyeHalfWidth;
      const dy = (y + 0.5 - cy) / eyeHalfHeight;
      // An almond: two arcs meeting at the corners; the lid's shadow darkens its upper rim.
      const almond = abs(dy) - (1 - dx * dx) * (dy < 0 ? 1 : 0.8);
      const white = inside(almond * eyeHalfHeight);
      if (white > 0) {
        const shade = 0.78 + 0.22 * clamp01((dy + 1) / 1.4);
        let eye: Rgb = [240 * shade, 236 * shade, 232 * shade];
        const ix = x + 0.5 - cx;
        const iy = y + 0.5 - cy;
        const r = sqrt(ix * ix + iy * iy);
        const angle = atan2(iy, ix);
        // Iris: radial fibres, lighter towards the pupil, and a darker limbal ring; pupil; one catchlight.
        const fibres = (0.84 + 0.16 * sin(angle * 41 + 3 * sin(angle * 7))) * (1.25 - 0.45 * (r / iris));
        const ring = exp(-((r - iris) ** 2) / (2 * (iris * 0.08) ** 2));
        const irisColour = mix([58 * fibres, 112 * fibres, 96 * fibres], [24, 40, 36], ring * 0.8);
        eye = mix(eye, irisColour, inside(r - iris));
        eye = mix(eye, [12, 10, 12], inside(r - iris * 0.38));
        const hx = ix + iris * 0.3;
        const hy = iy + iris * 0.32;
        eye = mix(eye, [255, 255, 255], inside(sqrt(hx * hx + hy * hy) - iris * 0.11));
        colour = mix(colour, eye, white);
        // The lid line.
        colour = mix(colour, [70, 40, 34], max(0, white - inside(almond * eyeHalfHeight + 3)) * (dy < 0 ? 0.9 : 0.35));
      }
      const i = (y * width + x) * 4;
      out[i] = round(colour[0]);
      out[i + 1] = round(colour[1]);
      out[i + 2] = round(colour[2]);
      out[i + 3] = 255;
    }
  }
  return out;
}
