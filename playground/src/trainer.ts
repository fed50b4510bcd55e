// Runs jobs in the training worker. Stop asks the job to end after its current step; a job that cannot
// listen while it runs (Word2Vec trains in one call) is stopped by ending the worker, and a fresh one
// takes the next job.
import type { JobReport, JobRequest } from './protocol.js';

/** One worker, one job at a time. */
export class Trainer {
  private worker: Worker | null = null;
  private listener: ((r: JobReport) => void) | null = null;

  private ensureWorker(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.worker.onmessage = (e: MessageEvent<JobReport>) => this.listener?.(e.data);
      this.worker.onerror = (e) => this.listener?.({ type: 'error', message: e.message || 'the training worker failed to start' });
    }
    return this.worker;
  }

  get busy(): boolean {
    return this.listener !== null;
  }

  /** Starts a job; `onReport` gets its progress, then its 'done' or 'error'. */
  run(job: Exclude<JobRequest, { type: 'stop' }>, onReport: (r: JobReport) => void): void {
    if (this.busy) throw new Error('Trainer.run: a job is already running; stop it first');
    this.listener = (r) => {
      if (r.type === 'ready') return;
      if (r.type === 'done' || r.type === 'error') this.listener = null;
      onReport(r);
    };
    this.ensureWorker().postMessage(job);
  }

  /** Stops the running job: politely, or by ending the worker (`hard`). */
  stop(hard = false): void {
    if (!this.worker) return;
    if (hard) {
      this.worker.terminate();
      this.worker = null;
      this.listener = null;
    } else {
      this.worker.postMessage({ type: 'stop' } satisfies JobRequest);
    }
  }
}
