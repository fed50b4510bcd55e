// Sequences: the course's sine task (sin(x) in, sin(x + 0.1) out) with an RNN, LSTM or GRU trained
// live in the worker; the fit on one sequence and the loss curve are redrawn after every epoch.
import { linePlotSvg } from 'nabla/plot';
import { h, jobThreads, showSvg, type Page } from '../dom.js';
import { Trainer } from '../trainer.js';
import type { SineCell } from '../protocol.js';

/** The Sequences page. */
export function sequencesPage(): Page {
  const trainer = new Trainer();
  return {
    id: 'sequences',
    title: 'Sequences',
    mount(root) {
      const cell = h('select', { id: 'cell' }, h('option', { value: 'rnn' }, 'RNN'), h('option', { value: 'lstm' }, 'LSTM'), h('option', { value: 'gru' }, 'GRU'));
      const epochs = h('input', { id: 'sine-epochs', type: 'number', min: '1', max: '2000', value: '150' });
      const train = h('button', { id: 'train-sine' }, 'Train');
      const stop = h('button', { id: 'stop-sine', disabled: '' }, 'Stop');
      const status = h('p', { id: 'sine-status', class: 'status' }, 'Pick a cell and train: 200 sequences of 50 steps, hidden size 32, Adam (lr 0.01), full batch.');
      const fit = h('div', { id: 'sine-fit', class: 'chart' });
      const loss = h('div', { id: 'sine-loss', class: 'chart' });
      root.append(
        h('p', {}, 'Each sequence is sin(x) over one period from a random start; the target is the same wave 0.1 ahead.'),
        h('div', {}, 'Cell ', cell, ' epochs ', epochs, ' ', train, ' ', stop), status, h('div', { class: 'row' }, fit, loss),
      );
      train.addEventListener('click', () => {
        const n = Math.max(1, Math.min(2000, Math.round(Number(epochs.value)) || 1));
        const losses: number[] = [];
        train.disabled = true; stop.disabled = false;
        const name = cell.selectedOptions[0]!.textContent!;
        trainer.run({ type: 'sine', cell: cell.value as SineCell, epochs: n, hiddenSize: 32, lr: 0.01, threads: jobThreads() }, (r) => {
          if (r.type === 'progress' && r.job === 'sine') {
            losses.push(r.loss);
            status.textContent = `${name}: epoch ${r.epoch}/${r.epochs}  loss ${r.loss.toFixed(5)}`;
            status.dataset.losses = JSON.stringify(losses);
            showSvg(fit, linePlotSvg({
              series: [{ label: 'input sin(x)', values: r.fit.input }, { label: 'target', values: r.fit.target }, { label: name, values: r.fit.prediction }],
              title: `Fit on one sequence, epoch ${r.epoch}`, xLabel: 'time step', width: 520, height: 320,
            }));
            showSvg(loss, linePlotSvg({ series: [{ label: 'MSE', values: losses, x: losses.map((_, i) => i + 1) }], title: 'Training loss', xLabel: 'epoch', width: 520, height: 320 }));
          } else if (r.type === 'done') {
            status.textContent += r.stopped ? '  (stopped)' : '  (done)';
            status.dataset.done = 'true';
            train.disabled = false; stop.disabled = true;
          } else if (r.type === 'error') {
            status.textContent = `Error: ${r.message}`;
            train.disabled = false; stop.disabled = true;
          }
        });
      });
      stop.addEventListener('click', () => trainer.stop());
    },
    unmount() {
      trainer.stop(true);
    },
  };
}
