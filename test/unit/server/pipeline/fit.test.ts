import { planFit } from '../../../../server/src/pipeline/fit';

// Expected rectangles worked out by hand from DESIGN §4: short side → 512 (long side capped at 1024),
// padded up to multiples of 64; 512…1024 native and padded; larger → tiles.
describe('planFit', () => {
  it.each([
    // [w, h, expected]
    [200, 150, { kind: 'enlarge', scaledWidth: 683, scaledHeight: 512, paddedWidth: 704, paddedHeight: 512 }],
    [128, 128, { kind: 'enlarge', scaledWidth: 512, scaledHeight: 512, paddedWidth: 512, paddedHeight: 512 }],
    [430, 430, { kind: 'enlarge', scaledWidth: 512, scaledHeight: 512, paddedWidth: 512, paddedHeight: 512 }],
    // 100×400: 512/100 = 5.12 would make the long side 2048 > 1024, so the cap wins: ×2.56
    [100, 400, { kind: 'enlarge', scaledWidth: 256, scaledHeight: 1024, paddedWidth: 256, paddedHeight: 1024 }],
    [512, 512, { kind: 'native', paddedWidth: 512, paddedHeight: 512 }],
    [700, 600, { kind: 'native', paddedWidth: 704, paddedHeight: 640 }],
    [1000, 700, { kind: 'native', paddedWidth: 1024, paddedHeight: 704 }],
    [1024, 1024, { kind: 'native', paddedWidth: 1024, paddedHeight: 1024 }],
    [1025, 600, { kind: 'tiles', tileSize: 512 }],
    [2000, 300, { kind: 'tiles', tileSize: 512 }], // cannot be enlarged within the cap: tiles, never shrunk
  ])('%i×%i', (w, h, expected) => {
    expect(planFit(w, h)).toEqual(expected);
  });

  it('fits a static 512² export: enlarge inside it, tile beyond it', () => {
    expect(planFit(300, 200, 512)).toEqual({ kind: 'enlarge', scaledWidth: 512, scaledHeight: 341, paddedWidth: 512, paddedHeight: 512 });
    expect(planFit(700, 600, 512)).toEqual({ kind: 'tiles', tileSize: 512 });
  });

  it('refuses crops smaller than 8 px with the accepted minimum', () => {
    expect(() => planFit(4, 100)).toThrow(/at least 8 px/);
  });
});
