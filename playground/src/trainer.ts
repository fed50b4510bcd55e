// Runs jobs in the training worker. Stop asks the job to end after its current step; a job that cannot
// listen while it runs (Word2Vec trains in one call) is stopped by ending the worker, and a fresh one
// takes the next job.
import type { JobReport, JobRequest } from './protocol.js';

/** One worker, one job at a time. */
export class Trainer {
  private worker: Worker | null = null;
  private listener: ((r: JobReport) => void) | null = null;
  /**
   * Messages for a worker that has not said 'ready': nabla's browser entry awaits its wasm build at the
   * top level, and a module worker may drop what arrives before its own onmessage is installed.
   */
  private pending: JobRequest[] | null = null;

  private ensureWorker(): Worker {
    if (!this.worker) {
      const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      this.pending = [];
      worker.onmessage = (e: MessageEvent<JobReport>) => {
        if (e.data.type === 'ready' && this.pending) {
          const queued = this.pending;
          this.pending = null;
          for (const message of queued) worker.postMessage(message);
        }
        this.listener?.(e.data);
      };
      worker.onerror = (e) => this.listener?.({ type: 'error', message: e.message || 'the training worker failed to start' });
      this.worker = worker;
    }
    return this.worker;
  }

  private send(message: JobRequest): void {
    const worker = this.ensureWorker();
    if (this.pending) this.pending.push(message);
    else worker.postMessage(message);
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
    this.send(job);
  }

  /** Stops the running job: politely, or by ending the worker (`hard`). */
  stop(hard = false): void {
    if (!this.worker) return;
    if (hard) {
      this.worker.terminate();
      this.worker = null;
      this.listener = null;
      this.pending = null;
    } else {
      this.send({ type: 'stop' } satisfies JobRequest);
    }
  }
}
