/** The 'change' stream both queues publish: every change of a job, turned into its status for listeners. */
import { EventEmitter } from 'events';
import type { JobStatus } from '../../../shared/src';
import type { JobChangeListener } from './api';
import type { Job } from './job';

export class JobChanges {
  private readonly events = new EventEmitter();

  /** `status` is the queue's own view of a job (its queue position differs between queues). */
  constructor(private readonly status: (job: Job) => JobStatus) {
    // One listener per open SSE stream or waiting client.
    this.events.setMaxListeners(0);
  }

  emit(job: Job): void {
    this.events.emit('change', job);
  }

  /** Calls `listener` with every change of one job's status, until the returned function is called. */
  subscribe(job: Job, listener: (status: JobStatus) => void): () => void {
    return this.listen((changed) => {
      if (changed === job) listener(this.status(job));
    });
  }

  /** Calls `listener` with every change of any job's status. */
  onChange(listener: JobChangeListener): () => void {
    return this.listen((changed) => listener(this.status(changed), changed));
  }

  private listen(handler: (changed: Job) => void): () => void {
    this.events.on('change', handler);
    return () => this.events.off('change', handler);
  }
}
