/**
 * One profile's bookkeeping: the events the hooks report (kernel calls, forward records, backward
 * steps, allocations, copies) folded into per-name rows. A forward op is seen only when it records
 * itself at its end, so its frame opens at the first allocation or kernel call after the previous op
 * and closes at its record; a backward step's frame spans a gradient rule (or the accumulation into
 * a leaf's .grad), and everything the step does (the ops it calls included) is that step's. Ops do not nest, so an op's self time is its total
 * less the time in the kernels it called: its own JS work. Kernels nest (the reference convolution
 * calls gemm); a kernel's self time is its total less the kernels it called. Allocations and copies
 * count in the op and in the innermost kernel they happen in.
 */

/** One line of a profile: everything done under one op or kernel name. */
export interface ProfileRow {
  /** The op (`conv2d`, `conv2d.backward`) or the kernel with its backend (`wasm.gemm`). */
  name: string;
  calls: number;
  /** Milliseconds in it less those in the kernels it called (for an op: its own JS work). */
  selfMs: number;
  /** Milliseconds from entry to exit, nested work included. */
  totalMs: number;
  /** Tensors allocated in it (a kernel: not in the kernels it called), and their bytes. */
  allocations: number;
  allocatedBytes: number;
  /** Copies between JS arrays and wasm memory made in it (a kernel: not in the kernels it called), and their bytes. */
  copies: number;
  copiedBytes: number;
}

/** What an op frame and a kernel frame hold while open. */
interface Frame {
  /** null: a forward op whose record has not come yet. */
  name: string | null;
  start: number;
  childMs: number;
  allocations: number;
  allocatedBytes: number;
  copies: number;
  copiedBytes: number;
}

/** Name of the row for work done outside any op (data loading, the optimizer's update, unrecorded ops). */
export const OUTSIDE_OPS = '(outside ops)';

const now = (): number => performance.now();

function frame(name: string | null): Frame {
  return { name, start: now(), childMs: 0, allocations: 0, allocatedBytes: 0, copies: 0, copiedBytes: 0 };
}

export class ProfileSession {
  readonly ops = new Map<string, ProfileRow>();
  readonly kernels = new Map<string, ProfileRow>();
  readonly totals = { allocations: 0, allocatedBytes: 0, reused: 0, reusedBytes: 0, copies: 0, copiedBytes: 0 };
  readonly start = now();
  private readonly opStack: Frame[] = [];
  private readonly kernelStack: Frame[] = [];

  kernelEnter(name: string): void {
    this.currentOp();
    this.kernelStack.push(frame(name));
  }

  kernelExit(): void {
    const f = this.kernelStack.pop();
    if (!f) return; // entered before this profile started
    const total = now() - f.start;
    const parent = this.kernelStack[this.kernelStack.length - 1] ?? this.opStack[this.opStack.length - 1];
    if (parent) parent.childMs += total;
    addTo(this.kernels, f, total);
  }

  tensorAllocated(bytes: number): void {
    this.totals.allocations++;
    this.totals.allocatedBytes += bytes;
    const op = this.currentOp();
    op.allocations++;
    op.allocatedBytes += bytes;
    const kernel = this.kernelStack[this.kernelStack.length - 1];
    if (kernel) {
      kernel.allocations++;
      kernel.allocatedBytes += bytes;
    }
  }

  storageReused(bytes: number): void {
    this.totals.reused++;
    this.totals.reusedBytes += bytes;
  }

  wasmCopy(bytes: number, copies: number): void {
    this.totals.copies += copies;
    this.totals.copiedBytes += bytes;
    const op = this.currentOp();
    op.copies += copies;
    op.copiedBytes += bytes;
    const kernel = this.kernelStack[this.kernelStack.length - 1];
    if (kernel) {
      kernel.copies += copies;
      kernel.copiedBytes += bytes;
    }
  }

  opRecorded(name: string): void {
    const top = this.opStack[this.opStack.length - 1];
    if (top && top.name !== null) return; // an op run by a gradient rule is part of that backward step
    const f = top ? this.opStack.pop()! : frame(null); // an op that did no work (a view) took no time
    f.name = name;
    this.closeOp(f);
  }

  backwardStepStart(name: string): void {
    this.closeForwardOp();
    this.opStack.push(frame(name));
  }

  backwardStepEnd(): void {
    this.closeForwardOp();
    const top = this.opStack[this.opStack.length - 1];
    if (top && top.name !== null) this.closeOp(this.opStack.pop()!);
  }

  /** Ends the forward op that is open without a record (grad mode switched, backward starts, profile ends) as work outside ops. */
  closeForwardOp(): void {
    const top = this.opStack[this.opStack.length - 1];
    if (!top || top.name !== null) return;
    this.opStack.pop();
    top.name = OUTSIDE_OPS;
    this.closeOp(top);
  }

  /** Closes every frame still open (an exception left them), so the rows hold what ran. */
  finish(): void {
    this.closeForwardOp();
    while (this.kernelStack.length) this.kernelExit();
    while (this.opStack.length) this.backwardStepEnd();
  }

  /** The frame of the op in progress: a backward step, or the forward op this first piece of work opens. */
  private currentOp(): Frame {
    const top = this.opStack[this.opStack.length - 1];
    if (top) return top;
    const f = frame(null);
    this.opStack.push(f);
    return f;
  }

  private closeOp(f: Frame): void {
    addTo(this.ops, f, now() - f.start);
  }
}

function addTo(rows: Map<string, ProfileRow>, f: Frame, total: number): void {
  const name = f.name!;
  let row = rows.get(name);
  if (!row) {
    row = { name, calls: 0, selfMs: 0, totalMs: 0, allocations: 0, allocatedBytes: 0, copies: 0, copiedBytes: 0 };
    rows.set(name, row);
  }
  row.calls++;
  row.totalMs += total;
  row.selfMs += Math.max(0, total - f.childMs);
  row.allocations += f.allocations;
  row.allocatedBytes += f.allocatedBytes;
  row.copies += f.copies;
  row.copiedBytes += f.copiedBytes;
}
