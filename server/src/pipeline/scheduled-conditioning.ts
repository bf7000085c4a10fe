/**
 * Scheduled conditioning (A1111's prompt editing and alternation): the UNet's encoder_hidden_states per
 * model call. Each distinct (prompt, negative prompt) pair of the two schedules is encoded once, with
 * encodeConditioning (chunks, emphasis, CFG layout); the loop then looks up the pair in force at each
 * call as A1111's `reconstruct_cond_batch` does.
 */
import type { Tensor } from '../tensor';
import type { ChunkTokenizer } from '../text/chunks';
import { promptSchedule, ScheduledPrompt, scheduleIndexAt } from '../text/prompt-schedule';
import { ConditioningRequest, encodeConditioning, usesCfgBatch } from './conditioning';
import type { DiffusionRuntime } from './runtime';

/** The conditioning of each model call (0-based). */
export interface ConditioningSchedule {
  at(callIndex: number): Tensor;
}

/** A fixed conditioning for every call. */
export function constantConditioning(context: Tensor): ConditioningSchedule {
  return { at: () => context };
}

/**
 * Encodes the schedules of prompt and negative prompt over `steps` (the job's sampling steps, as A1111
 * counts them, also for img2img, whose model calls are the last few of those steps but are numbered
 * from 0).
 */
export async function encodeScheduledConditioning(
  runtime: DiffusionRuntime,
  tokenizer: ChunkTokenizer,
  request: ConditioningRequest,
  steps: number,
  timings: Record<string, number>,
): Promise<ConditioningSchedule> {
  const cond = promptSchedule(request.prompt, steps);
  // Without a CFG batch the negative prompt is not used at all.
  const uncond: ScheduledPrompt[] = usesCfgBatch(runtime, request.guidanceScale)
    ? promptSchedule(request.negativePrompt, steps)
    : [{ endAtStep: steps, text: request.negativePrompt }];
  if (cond.length === 1 && uncond.length === 1) {
    const context = await encodeConditioning(runtime, tokenizer, { ...request, prompt: cond[0].text, negativePrompt: uncond[0].text }, timings);
    return constantConditioning(context);
  }

  const pairKey = (callIndex: number): string => `${scheduleIndexAt(cond, callIndex)}/${scheduleIndexAt(uncond, callIndex)}`;
  const encoded = new Map<string, Tensor>();
  // Every call index a job can reach (0 … steps − 1), plus one past the end for the fallback entry.
  for (let callIndex = 0; callIndex <= steps; callIndex++) {
    const key = pairKey(callIndex);
    if (encoded.has(key)) continue;
    const prompt = cond[scheduleIndexAt(cond, callIndex)].text;
    const negativePrompt = uncond[scheduleIndexAt(uncond, callIndex)].text;
    encoded.set(key, await encodeConditioning(runtime, tokenizer, { ...request, prompt, negativePrompt }, timings));
  }
  return {
    at(callIndex) {
      const context = encoded.get(pairKey(callIndex));
      if (context === undefined) throw new Error(`no conditioning for model call ${callIndex}`);
      return context;
    },
  };
}
