import * as d from '../../../../plugin/src/host/descriptors';
import { HostError } from '../../../../plugin/src/host/host';

const NO_DIALOG = { dialogOptions: 'silent' };

describe('batchPlay descriptors', () => {
  // The JSON each builder must produce, written out by hand from Adobe's documented descriptors.
  const table: [string, d.ActionDescriptor, Record<string, unknown>][] = [
    [
      'make a pixel layer',
      d.makePixelLayer('InsaneRes #3 · seed 42 · strength 0.3'),
      { _obj: 'make', _target: [{ _ref: 'layer' }], using: { _obj: 'layer', name: 'InsaneRes #3 · seed 42 · strength 0.3' }, _options: NO_DIALOG },
    ],
    ['select a layer by id', d.selectLayer(101), { _obj: 'select', _target: [{ _ref: 'layer', _id: 101 }], makeVisible: false, _options: NO_DIALOG }],
    [
      'blend mode difference',
      d.setBlendMode(101, 'difference'),
      { _obj: 'set', _target: [{ _ref: 'layer', _id: 101 }], to: { _obj: 'layer', mode: { _enum: 'blendMode', _value: 'difference' } }, _options: NO_DIALOG },
    ],
    [
      'blend mode normal',
      d.setBlendMode(7, 'normal'),
      { _obj: 'set', _target: [{ _ref: 'layer', _id: 7 }], to: { _obj: 'layer', mode: { _enum: 'blendMode', _value: 'normal' } }, _options: NO_DIALOG },
    ],
    [
      'save the selection to a new channel',
      d.saveSelectionToChannel('InsaneRes #3 selection'),
      { _obj: 'duplicate', _target: [{ _ref: 'channel', _property: 'selection' }], name: 'InsaneRes #3 selection', _options: NO_DIALOG },
    ],
    [
      'load the selection from a channel',
      d.loadSelectionFromChannel('InsaneRes #3 selection'),
      { _obj: 'set', _target: [{ _ref: 'channel', _property: 'selection' }], to: { _ref: 'channel', _name: 'InsaneRes #3 selection' }, _options: NO_DIALOG },
    ],
    [
      'mask revealing the selection',
      d.makeMaskFromSelection(),
      {
        _obj: 'make',
        new: { _class: 'channel' },
        at: { _ref: 'channel', _enum: 'channel', _value: 'mask' },
        using: { _enum: 'userMaskEnabled', _value: 'revealSelection' },
        _options: NO_DIALOG,
      },
    ],
    [
      'mask feather 12 px',
      d.setMaskFeather(101, 12),
      { _obj: 'set', _target: [{ _ref: 'layer', _id: 101 }], to: { _obj: 'layer', userMaskFeather: { _unit: 'pixelsUnit', _value: 12 } }, _options: NO_DIALOG },
    ],
    [
      'mask feather clamped to 1000 px',
      d.setMaskFeather(101, 5000),
      { _obj: 'set', _target: [{ _ref: 'layer', _id: 101 }], to: { _obj: 'layer', userMaskFeather: { _unit: 'pixelsUnit', _value: 1000 } }, _options: NO_DIALOG },
    ],
    [
      'mask feather: negative becomes 0',
      d.setMaskFeather(101, -3),
      { _obj: 'set', _target: [{ _ref: 'layer', _id: 101 }], to: { _obj: 'layer', userMaskFeather: { _unit: 'pixelsUnit', _value: 0 } }, _options: NO_DIALOG },
    ],
  ];

  it.each(table)('%s', (_name, built, expected) => {
    expect(JSON.parse(JSON.stringify(built))).toEqual(expected);
  });

  it('builds the feathered-mask sequence: target the layer, load the channel, reveal it, feather it', () => {
    expect(d.featheredMaskSequence(101, 'ch', 8)).toEqual([
      d.selectLayer(101),
      d.loadSelectionFromChannel('ch'),
      d.makeMaskFromSelection(),
      d.setMaskFeather(101, 8),
    ]);
  });
});

describe('assertNoBatchPlayError', () => {
  it('passes successful results', () => {
    expect(() => d.assertNoBatchPlayError([{ _obj: 'make', layerID: 3 }, {}], [d.makePixelLayer('a'), d.setBlendMode(3, 'difference')])).not.toThrow();
  });

  it("turns an error result into a HostError with Photoshop's message and the failing descriptor", () => {
    const list = [d.selectLayer(3), d.setBlendMode(3, 'difference')];
    let thrown: unknown;
    try {
      d.assertNoBatchPlayError([{ _obj: 'select' }, { _obj: 'error', message: 'The object “layer 3” is not currently available.', result: -25920 }], list);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HostError);
    const error = thrown as HostError;
    expect(error.code).toBe('PHOTOSHOP_ERROR');
    expect(error.message).toBe('Photoshop could not set: The object “layer 3” is not currently available.');
    expect(JSON.parse(error.details ?? '{}')).toEqual({ code: -25920, descriptor: JSON.parse(JSON.stringify(list[1])) });
  });

  it('says "unknown error" when Photoshop gives no message', () => {
    expect(() => d.assertNoBatchPlayError([{ _obj: 'error' }], [d.makeMaskFromSelection()])).toThrow('Photoshop could not make: unknown error');
  });
});
