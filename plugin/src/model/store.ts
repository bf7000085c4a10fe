/** A minimal store around the reducer: getState / dispatch / subscribe (React reads it with useSyncExternalStore). */
import { reducer, type Action, type PanelState } from './state';

export type Listener = () => void;

export class Store {
  private state: PanelState;
  private readonly listeners = new Set<Listener>();

  constructor(initial: PanelState) {
    this.state = initial;
  }

  getState = (): PanelState => this.state;

  dispatch = (action: Action): void => {
    const next = reducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    this.listeners.forEach((listener) => listener());
  };

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };
}
