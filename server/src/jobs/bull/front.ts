/**
 * What `insaneres serve --queue redis://…` runs instead of an engine: the studio queue, a stand-in engine that
 * describes the workers (health, /v1/models), and the models catalog the workers announce. No model is loaded
 * on the front.
 */
import { ApiError } from '../../../../shared/src';
import type { Engine, JobOutput, ModelInfo } from '../../engine/types';
import { ModelCatalog } from '../../models/catalog';
import { StudioQueue, type StudioQueueOptions } from './studio-queue';

export interface StudioFront {
  queue: StudioQueue;
  engine: Engine;
  catalog: ModelCatalog;
}

/** The front's "engine": it runs nothing, it only reports what the workers announce. */
class WorkersView implements Engine {
  constructor(private readonly queue: StudioQueue) {}

  get device(): string {
    return this.queue.devicesSummary();
  }

  get model(): ModelInfo | null {
    return this.queue.currentModel();
  }

  loadModel(): Promise<ModelInfo> {
    return Promise.reject(new ApiError('UNAVAILABLE', 'the front server loads no model; its workers do'));
  }

  img2img(): Promise<JobOutput> {
    return this.loadModel() as never;
  }

  upscale(): Promise<JobOutput> {
    return this.loadModel() as never;
  }

  async close(): Promise<void> {}
}

export function startStudioFront(options: StudioQueueOptions): StudioFront {
  const queue = new StudioQueue(options);
  return { queue, engine: new WorkersView(queue), catalog: ModelCatalog.remote(() => queue.catalogEntries()) };
}
