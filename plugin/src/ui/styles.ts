/**
 * The panel's CSS, injected once by `installStyles`. Flexbox only (UXP has no CSS grid); colours come
 * from the host theme's variables (`--uxp-host-*`) with fallbacks for browsers.
 */
export const PANEL_CSS = `
.ir-panel {
  color: var(--uxp-host-text-color, #ddd);
  background: var(--uxp-host-background-color, #323232);
  font-size: var(--uxp-host-font-size, 12px);
  font-family: system-ui, sans-serif;
  padding: 8px;
  display: flex;
  flex-direction: column;
  gap: 6px;
}
.ir-row { display: flex; flex-direction: row; align-items: center; gap: 6px; flex-wrap: wrap; }
.ir-col { display: flex; flex-direction: column; gap: 4px; }
.ir-grow { flex: 1 1 auto; min-width: 0; }
.ir-status { display: flex; align-items: center; gap: 6px; }
.ir-dot { width: 8px; height: 8px; border-radius: 4px; flex: 0 0 8px; }
.ir-dot-online { background: #2d9d78; }
.ir-dot-demo { background: #e8c600; }
.ir-dot-offline { background: #e34850; }
.ir-dot-unknown { background: #888; }
.ir-muted { color: var(--uxp-host-text-color-secondary, #aaa); }
.ir-label { min-width: 58px; }
.ir-value { min-width: 44px; text-align: right; }
.ir-slider { display: flex; align-items: center; gap: 6px; }
.ir-slider sp-slider, .ir-slider input { flex: 1 1 auto; }
.ir-picker { display: flex; align-items: center; gap: 6px; }
.ir-text { width: 100%; }
.ir-progress { width: 100%; }
.ir-preview { width: 72px; height: 72px; object-fit: cover; border: 1px solid var(--uxp-host-border-color, #555); }
.ir-thumbs { display: flex; flex-direction: row; gap: 4px; overflow-x: auto; }
.ir-thumb { width: 40px; height: 40px; object-fit: cover; border: 1px solid var(--uxp-host-border-color, #555); cursor: pointer; }
.ir-thumb-empty { display: flex; align-items: center; justify-content: center; font-size: 10px; }
.ir-error { color: #ff7b82; }
.ir-warning { color: #f0c05a; }
.ir-thumb-wrap { display: inline-flex; flex-direction: column; align-items: center; }
.ir-grouped { border-bottom: 2px solid #6ea8ff; }
.ir-badge { font-size: 9px; color: var(--uxp-host-text-color-secondary, #aaa); }
.ir-run { justify-content: flex-start; }
.ir-hint { font-family: monospace; }
.ir-details { font-family: monospace; font-size: 10px; white-space: pre-wrap; word-break: break-all; }
.ir-link { text-decoration: underline; cursor: pointer; color: var(--uxp-host-link-text-color, #6ea8ff); }
.ir-selected { outline: 1px solid #6ea8ff; }
`;

/** Adds the panel's <style> to `document` once (UXP panels have no separate stylesheet pipeline here). */
export function installStyles(document: Document): void {
  if (document.getElementById('insaneres-style')) return;
  const style = document.createElement('style');
  style.id = 'insaneres-style';
  style.textContent = PANEL_CSS;
  document.head.appendChild(style);
}
