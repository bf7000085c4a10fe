/**
 * The panel's Fast toggle (LCM at 4 steps + the tiny decoder), from the server's `fast` in /v1/health and the
 * retoucher's choice. Untouched (`settings.fast` null), it follows the server's default for the model; a click
 * makes it the retoucher's own. Models without fast mode disable it, with the server's reason as the tooltip.
 */
import type { HealthResponse } from '../../../shared/src';
import type { Settings } from './settings';

export interface FastToggle {
  available: boolean;
  checked: boolean;
  /** Why it is disabled (the tooltip); null when available. */
  reason: string | null;
}

export function fastToggle(settings: Pick<Settings, 'fast'>, health: HealthResponse | null): FastToggle {
  if (!health) return { available: false, checked: false, reason: 'not connected to the server' };
  const fast = health.fast;
  if (fast === undefined) return { available: false, checked: false, reason: 'this server has no fast mode (update InsaneRes)' };
  if (fast === null) return { available: false, checked: false, reason: 'no model is loaded yet' };
  if (!fast.available) return { available: false, checked: false, reason: fast.reason ?? 'this model has no fast mode' };
  return { available: true, checked: settings.fast ?? fast.default, reason: null };
}

/** The job's `fast` param: said explicitly where the model has fast mode, left out where it has none. */
export function fastParam(toggle: FastToggle): { fast?: boolean } {
  return toggle.available ? { fast: toggle.checked } : {};
}
