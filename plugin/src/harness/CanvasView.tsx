/**
 * The document on screen: the flattened image on one canvas, the selection outline on a second one above
 * it, and the mouse tools (rectangle, freehand lasso) drawing on that second canvas. Shown at 100 % when
 * it fits, else scaled down to fit; the canvases keep document resolution, so pixels stay exact.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { Editor } from '../host/browser/editor';
import { currentState, type EditorDocument } from '../host/browser/document';
import type { Plane } from '../host/browser/compositing';
import { planeEdges, polygonPlane, rectBetween, rectPlane, type Point } from '../host/browser/selection';

export type Tool = 'rectangle' | 'lasso';

/** The marching ants, frozen: 4-px dashes of black and white along the outline. */
function outlineImage(selection: Plane, width: number, height: number): ImageData {
  const image = new ImageData(width, height);
  const edges = planeEdges(selection);
  const { left, top, width: w, height: h } = selection.bounds;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!edges[y * w + x]) continue;
      const docX = left + x;
      const docY = top + y;
      const shade = ((docX + docY) >> 2) & 1 ? 0 : 255;
      image.data.set([shade, shade, shade, 255], (docY * width + docX) * 4);
    }
  }
  return image;
}

function drawDrag(context: CanvasRenderingContext2D, tool: Tool, points: readonly Point[], zoom: number): void {
  const first = points[0];
  const last = points[points.length - 1];
  context.lineWidth = 1 / zoom;
  context.setLineDash([4 / zoom, 4 / zoom]);
  for (const [colour, offset] of [['#000', 0], ['#fff', 4 / zoom]] as const) {
    context.strokeStyle = colour;
    context.lineDashOffset = offset;
    context.beginPath();
    if (tool === 'rectangle') {
      context.rect(first.x, first.y, last.x - first.x, last.y - first.y);
    } else {
      points.forEach((p, i) => (i === 0 ? context.moveTo(p.x, p.y) : context.lineTo(p.x, p.y)));
    }
    context.stroke();
  }
}

const STAGE_MARGIN = 8;

/** The largest zoom ≤ 100 % at which the document fits the stage, and the frame's place, in whole pixels. */
function useFit(stage: React.RefObject<HTMLElement | null>, doc: EditorDocument): { zoom: number; left: number; top: number } {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const element = stage.current;
    if (!element) return undefined;
    const measure = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [stage]);
  const room = { width: size.width - 2 * STAGE_MARGIN, height: size.height - 2 * STAGE_MARGIN };
  const zoom = room.width > 0 && room.height > 0 ? Math.min(1, room.width / doc.width, room.height / doc.height) : 1;
  const place = (space: number, extent: number) => Math.max(STAGE_MARGIN, Math.floor((space - extent * zoom) / 2));
  return { zoom, left: place(size.width, doc.width), top: place(size.height, doc.height) };
}

export function CanvasView(props: { editor: Editor; doc: EditorDocument; tool: Tool; stage: React.RefObject<HTMLElement | null> }) {
  const { editor, doc, tool } = props;
  const image = useRef<HTMLCanvasElement | null>(null);
  const overlay = useRef<HTMLCanvasElement | null>(null);
  const drag = useRef<Point[] | null>(null);
  const { zoom, left, top } = useFit(props.stage, doc);
  const state = currentState(doc);
  const outline = useMemo(() => (state.selection ? outlineImage(state.selection, doc.width, doc.height) : null), [state.selection, doc.width, doc.height]);

  useEffect(() => {
    const context = image.current?.getContext('2d');
    if (!context) return;
    context.putImageData(new ImageData(editor.flattenedPixels(doc), doc.width, doc.height), 0, 0);
  }, [editor, doc, state]);

  const drawOverlay = () => {
    const context = overlay.current?.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, doc.width, doc.height);
    if (drag.current) drawDrag(context, tool, drag.current, zoom);
    else if (outline) context.putImageData(outline, 0, 0);
  };
  useEffect(drawOverlay);

  // Document coordinates of a pointer event, wherever it happened: a drag may start (and end) beside the
  // canvas, as a marquee may in Photoshop; the selection is clipped to the canvas.
  const toDocument = (event: PointerEvent): Point => {
    const box = overlay.current!.getBoundingClientRect();
    return { x: ((event.clientX - box.left) * doc.width) / box.width, y: ((event.clientY - box.top) * doc.height) / box.height };
  };
  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0 || !overlay.current) return;
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
    drag.current = [toDocument(event)];
    drawOverlay();
  };
  const onPointerMove = (event: PointerEvent) => {
    if (!drag.current) return;
    const point = toDocument(event);
    drag.current = tool === 'rectangle' ? [drag.current[0], point] : [...drag.current, point];
    drawOverlay();
  };
  const onPointerUp = (event: PointerEvent) => {
    const points = drag.current;
    if (!points) return;
    drag.current = null;
    const last = toDocument(event);
    let selection: Plane | null;
    if (tool === 'rectangle') {
      const rect = rectBetween(points[0], last, doc);
      selection = rect ? rectPlane(rect) : null;
    } else {
      selection = polygonPlane([...points, last], doc);
    }
    // A click without a drag deselects, as in Photoshop.
    if (selection || state.selection) {
      editor.commit(doc.id, selection ? (tool === 'rectangle' ? 'Rectangular Marquee' : 'Lasso') : 'Deselect', (s) => ({ ...s, selection }));
    } else {
      drawOverlay();
    }
  };

  // The handlers live on the whole stage (native listeners, always the latest closures).
  const handlers = useRef({ onPointerDown, onPointerMove, onPointerUp });
  handlers.current = { onPointerDown, onPointerMove, onPointerUp };
  useEffect(() => {
    const element = props.stage.current;
    if (!element) return undefined;
    const down = (e: PointerEvent) => handlers.current.onPointerDown(e);
    const move = (e: PointerEvent) => handlers.current.onPointerMove(e);
    const up = (e: PointerEvent) => handlers.current.onPointerUp(e);
    element.addEventListener('pointerdown', down);
    element.addEventListener('pointermove', move);
    element.addEventListener('pointerup', up);
    return () => {
      element.removeEventListener('pointerdown', down);
      element.removeEventListener('pointermove', move);
      element.removeEventListener('pointerup', up);
    };
  }, [props.stage]);

  const style = { width: `${doc.width * zoom}px`, height: `${doc.height * zoom}px` };
  return (
    <div className="hr-canvas-frame" style={{ ...style, left: `${left}px`, top: `${top}px` }} data-zoom={zoom}>
      <canvas ref={image} className="hr-canvas" data-testid="canvas" width={doc.width} height={doc.height} style={style} />
      <canvas
        ref={overlay}
        className="hr-canvas hr-overlay"
        data-testid="canvas-overlay"
        width={doc.width}
        height={doc.height}
        style={style}
      />
    </div>
  );
}
