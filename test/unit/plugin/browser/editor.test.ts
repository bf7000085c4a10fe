/** The harness editor's documents and history: one commit = one step, undo / redo / jump, nothing on a no-op. */
import { currentState, setVisible } from '../../../../plugin/src/host/browser/document';
import { Editor } from '../../../../plugin/src/host/browser/editor';
import { SAMPLE_SIZE, samplePicture } from '../../../../plugin/src/host/browser/sample-image';

function twoByTwo(): Editor {
  const editor = new Editor();
  editor.open('a.png', 2, 2, new Uint8ClampedArray(16).fill(200));
  return editor;
}

const names = (editor: Editor) => editor.active()!.history.map((h) => h.name);

it('records each commit as one named step and moves through them', () => {
  const editor = twoByTwo();
  const id = editor.active()!.id;
  const layerId = currentState(editor.active()!).layers[0].id;
  editor.commit(id, 'Hide Layer', (s) => setVisible(s, layerId, false));
  editor.commit(id, 'Show Layer', (s) => setVisible(s, layerId, true));
  expect(names(editor)).toEqual(['Open', 'Hide Layer', 'Show Layer']);

  editor.undo(id);
  expect(currentState(editor.active()!).layers[0].visible).toBe(false);
  editor.redo(id);
  expect(currentState(editor.active()!).layers[0].visible).toBe(true);
  editor.goTo(id, 0);
  expect(editor.active()!.position).toBe(0);
  editor.undo(id); // nothing before "Open"
  expect(editor.active()!.position).toBe(0);

  // A new step after undoing drops the undone ones, as in Photoshop.
  editor.commit(id, 'Deselect', (s) => ({ ...s, selection: null }));
  expect(names(editor)).toEqual(['Open', 'Deselect']);
});

it('adds no step when nothing changed, or when the change throws', () => {
  const editor = twoByTwo();
  const id = editor.active()!.id;
  editor.commit(id, 'nothing', (s) => s);
  expect(() =>
    editor.commit(id, 'broken', () => {
      throw new Error('no');
    }),
  ).toThrow('no');
  expect(names(editor)).toEqual(['Open']);
});

it('keeps several documents, one active, and tells subscribers about changes', () => {
  const editor = twoByTwo();
  const seen: number[] = [];
  editor.subscribe(() => seen.push(editor.getSnapshot().activeId ?? 0));
  const second = editor.open('b.png', 1, 1, new Uint8ClampedArray(4));
  expect(editor.active()?.title).toBe('b.png');
  editor.activate(1);
  editor.close(1);
  expect(editor.active()?.id).toBe(second.id);
  expect(seen).toEqual([second.id, 1, second.id]);
});

it('flattens once per state', () => {
  const editor = twoByTwo();
  const doc = editor.active()!;
  expect(editor.flattenedPixels(doc)).toBe(editor.flattenedPixels(doc));
  expect(Array.from(editor.flattenedRect(doc, { left: 1, top: 1, width: 2, height: 1 }))).toEqual([200, 200, 200, 200, 0, 0, 0, 0]);
});

it('draws an opaque sample picture with a dark pupil in the middle', () => {
  const { width, height } = SAMPLE_SIZE;
  const pixels = samplePicture();
  expect(pixels).toHaveLength(width * height * 4);
  expect(pixels.every((v, i) => i % 4 !== 3 || v === 255)).toBe(true);
  const centre = ((height / 2) * width + width / 2) * 4;
  expect(Math.max(pixels[centre], pixels[centre + 1], pixels[centre + 2])).toBeLessThan(30);
  expect(Array.from(samplePicture(8, 6))).toEqual(Array.from(samplePicture(8, 6)));
});
