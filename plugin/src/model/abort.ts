/**
 * AbortController where the runtime has one (browsers, recent UXP), else a small stand-in with the same
 * surface the panel uses (`signal.aborted`, the `abort` event). The API client only hands native signals
 * to fetch, so the stand-in stops polling loops but never confuses fetch.
 */
export interface Abortable {
  readonly signal: AbortSignal;
  abort(): void;
}

export function makeAbortController(): Abortable {
  if (typeof AbortController === 'function') return new AbortController();
  const listeners = new Set<() => void>();
  const signal = {
    aborted: false,
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  };
  return {
    // The stand-in covers only what the panel touches: a typed boundary for runtimes without AbortController.
    signal: signal as unknown as AbortSignal,
    abort() {
      if (signal.aborted) return;
      signal.aborted = true;
      listeners.forEach((listener) => listener());
    },
  };
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && error.name === 'AbortError';
}
