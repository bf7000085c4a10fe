/** The controller reaches components through context; its store through useSyncExternalStore. */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { PanelController } from '../model/controller';
import type { PanelState } from '../model/state';

export const ControllerContext = createContext<PanelController | null>(null);

export function useController(): PanelController {
  const controller = useContext(ControllerContext);
  if (!controller) throw new Error('the panel needs a ControllerContext.Provider');
  return controller;
}

export function usePanelState(): PanelState {
  const { store } = useController();
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
