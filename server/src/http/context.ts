/** What the HTTP layer needs from the rest of the server. */
import type { Limits } from '../../../shared/src';
import type { Engine } from '../engine/types';
import type { HistoryStore } from '../history/store';
import type { JobQueueApi } from '../jobs/api';
import type { Logger } from '../logger';
import type { ModelCatalog } from '../models/catalog';
import type { PullManager } from '../models/pull-manager';
import type { ImageStore } from './images';
import type { SecurityPolicy } from './security';

export interface AppContext {
  version: string;
  engine: Engine;
  queue: JobQueueApi;
  history: HistoryStore;
  images: ImageStore;
  catalog: ModelCatalog;
  security: SecurityPolicy;
  limits: Limits;
  logger: Logger;
  /** Model downloads from the Hub (absent: the download routes answer UNAVAILABLE). */
  pulls?: PullManager;
  /** Shown in /v1/health with the demo model. */
  demoNotice: string;
  /** `serve --fast`: fast mode is the default for models that have it (reported in /v1/health). */
  fastDefault?: boolean;
}
