/** The harness page's own CSS (the panel brings its own): a dark editor around the canvas. */
export const HARNESS_CSS = `
html, body { margin: 0; height: 100%; background: #1e1e1e; color: #ddd; font: 12px system-ui, sans-serif; }
#root { height: 100%; }
button, select { font: inherit; color: #ddd; background: #3a3a3a; border: 1px solid #555; border-radius: 3px; padding: 3px 8px; cursor: pointer; }
button:disabled { opacity: 0.45; cursor: default; }
button.hr-on, .ir-button.ir-cta { background: #2680eb; border-color: #2680eb; color: #fff; }
.hr-app { display: flex; flex-direction: column; height: 100%; }
.hr-toolbar { display: flex; align-items: center; gap: 6px; padding: 0 10px; height: 40px; box-sizing: border-box; flex: 0 0 40px;
  background: #2b2b2b; border-bottom: 1px solid #111; white-space: nowrap; overflow-x: auto; }
.hr-title { margin-right: 8px; }
.hr-sep { width: 1px; height: 20px; background: #555; margin: 0 4px; }
.hr-message { color: #ff7b82; }
.hr-main { flex: 1 1 auto; display: flex; min-height: 0; }
.hr-work { flex: 1 1 auto; display: flex; flex-direction: column; min-width: 0; }
.hr-tabs { display: flex; gap: 2px; padding: 4px 6px 0; background: #262626; height: 28px; box-sizing: border-box; flex: 0 0 28px; }
.hr-tab { display: flex; background: #2f2f2f; border-radius: 4px 4px 0 0; }
.hr-tab button { border: none; background: transparent; }
.hr-tab.hr-active { background: #3c3c3c; }
/* The frame is centred in whole pixels by CanvasView (a half-pixel offset would resample the canvas). */
.hr-stage { flex: 1 1 auto; position: relative; overflow: hidden; background: #1a1a1a; touch-action: none; }
.hr-stage > .hr-empty { position: absolute; left: 50%; top: 50%; transform: translate(-50%, -50%); }
.hr-canvas-frame { position: absolute; box-shadow: 0 0 0 1px #000;
  background: repeating-conic-gradient(#bbb 0% 25%, #eee 0% 50%) 50% / 16px 16px; }
.hr-canvas { position: absolute; left: 0; top: 0; image-rendering: pixelated; }
.hr-overlay { cursor: crosshair; touch-action: none; }
.hr-empty { text-align: center; border: 2px dashed #555; border-radius: 8px; padding: 40px 60px; }
.hr-muted { color: #999; }
.hr-panel { flex: 0 0 320px; overflow-y: auto; border-left: 1px solid #111; background: #323232; }
.hr-panel .ir-text { box-sizing: border-box; background: #262626; color: #ddd; border: 1px solid #555; }
.hr-side { flex: 0 0 260px; overflow-y: auto; border-left: 1px solid #111; background: #2b2b2b; }
.hr-box { padding: 8px; border-bottom: 1px solid #111; }
.hr-box h2 { font-size: 12px; margin: 0 0 6px; color: #aaa; font-weight: 600; }
.hr-list { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 2px; }
.hr-layer { display: flex; flex-direction: column; gap: 3px; padding: 4px; border-radius: 3px; }
.hr-row { display: flex; align-items: center; gap: 4px; }
.hr-indent { padding-left: 22px; }
.hr-layer.hr-active { background: #3d4a5c; }
.hr-layer-name { flex: 1 1 auto; min-width: 0; text-align: left; border: none; background: transparent; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 2px; }
.hr-layer select { padding: 1px 2px; }
.hr-chip { font-size: 10px; padding: 1px 4px; border-radius: 8px; background: #555; white-space: nowrap; }
.hr-icon { border: none; background: transparent; padding: 0 4px; }
.hr-step { width: 100%; text-align: left; border: none; background: transparent; padding: 2px 4px; }
.hr-step.hr-active { background: #3d4a5c; }
.hr-step.hr-undone { color: #777; }
`;

export function installHarnessStyles(document: Document): void {
  const style = document.createElement('style');
  style.id = 'insaneres-harness-style';
  style.textContent = HARNESS_CSS;
  document.head.appendChild(style);
}
