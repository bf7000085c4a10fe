/**
 * The front's view of the worker registry: every worker's heartbeat (a Redis hash, written every 2 s by each
 * `insaneres worker`), read by the front every 2 s. Gone = no heartbeat for 10 s (stopped or crashed); a gone
 * worker's model still counts as served, since it may be restarting and its queue keeps the jobs meanwhile.
 */
import type IORedis from 'ioredis';
import type { WorkerInfo } from '../../../../shared/src';
import type { ModelInfo } from '../../engine/types';
import type { CatalogEntry } from '../../models/catalog';
import { GONE_AFTER_MS, KEYS, type WorkerHeartbeat } from './keys';

const FORGET_AFTER_MS = 24 * 3600 * 1000;

export class WorkerRegistry {
  private entries: WorkerHeartbeat[] = [];

  async load(redis: IORedis): Promise<WorkerHeartbeat[]> {
    const raw = await redis.hgetall(KEYS.workers);
    const now = Date.now();
    const all = Object.values(raw).map((v) => JSON.parse(v) as WorkerHeartbeat);
    // A worker killed without a goodbye stays listed as gone for a day, then is forgotten.
    const expired = all.filter((w) => now - w.lastSeen > FORGET_AFTER_MS);
    if (expired.length) await redis.hdel(KEYS.workers, ...expired.map((w) => w.name));
    this.entries = all.filter((w) => !expired.includes(w)).sort((a, b) => a.name.localeCompare(b.name));
    return this.entries;
  }

  live(): WorkerHeartbeat[] {
    const now = Date.now();
    return this.entries.filter((w) => now - w.lastSeen <= GONE_AFTER_MS);
  }

  /** Any worker, live or gone, has announced this model. */
  knows(model: string): boolean {
    return this.entries.some((w) => w.model === model);
  }

  infos(): WorkerInfo[] {
    const now = Date.now();
    return this.entries.map((w) => ({
      name: w.name, model: w.model, device: w.device, job: w.job, lastSeen: new Date(w.lastSeen).toISOString(),
      state: now - w.lastSeen > GONE_AFTER_MS ? 'gone' : w.busy ? 'busy' : 'idle',
    }));
  }

  /** The announced models, as /v1/models lists them (`dir` is a `worker:` name: there is no folder here). */
  catalogEntries(): CatalogEntry[] {
    const seen = new Map<string, CatalogEntry>();
    for (const w of this.entries) if (!seen.has(w.model)) seen.set(w.model, { name: w.model, dir: `worker:${w.model}`, demo: w.demo });
    return [...seen.values()];
  }

  modelInfo(name: string): ModelInfo {
    const worker = this.live().find((w) => w.model === name) ?? this.entries.find((w) => w.model === name);
    const info: ModelInfo = { name, dir: `worker:${name}`, demo: worker?.demo ?? false, device: worker?.device ?? 'none' };
    if (worker?.fast) {
      const { default: fastDefault, ...fast } = worker.fast;
      info.fast = fast;
      info.fastDefault = fastDefault;
    }
    return info;
  }

  /** For error messages: the models live workers serve. */
  servedList(): string {
    const models = [...new Set(this.live().map((w) => `"${w.model}"`))];
    return models.length ? models.join(', ') : 'none: start one with `insaneres worker --queue …`';
  }

  devicesSummary(): string {
    const live = this.live();
    if (live.length === 0) return 'no workers';
    return `${live.length} worker${live.length > 1 ? 's' : ''}: ${[...new Set(live.map((w) => w.device))].join(', ')}`;
  }
}
