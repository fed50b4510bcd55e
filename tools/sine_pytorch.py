#!/usr/bin/python3
"""PyTorch's side of the course's sine-wave recipe, to compare with `nabla train sine`.

    /usr/bin/python3 tools/sine_pytorch.py [--seeds 0 1 2] [--epochs 100] [--threads 1] [--json]

For each seed: np.random.seed(seed) for the data, torch.manual_seed(seed) for the init, then the
course's loop (full batch, MSELoss, Adam lr 0.01) for SimpleRNN (Linear on every step) and for
SimpleLSTM predicting every step (the course's LSTM compares a [1000, 1] output with the [1000, 50, 1]
target, which PyTorch refuses; see src/models/sine.ts). Prints the final training MSE of each run
and the seconds per epoch.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def create_sine_wave_data(seq_length, num_samples):
    X, y = [], []
    for _ in range(num_samples):
        start = np.random.rand()
        x = np.linspace(start, start + 2 * np.pi, seq_length)
        X.append(np.sin(x))
        y.append(np.sin(x + 0.1))
    return np.array(X), np.array(y)


class SimpleRNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size, cell='rnn'):
        super().__init__()
        self.hidden_size = hidden_size
        self.cell = cell
        layer = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[cell]
        self.rnn = layer(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        h0 = torch.zeros(1, x.size(0), self.hidden_size)
        if self.cell == 'lstm':
            out, _ = self.rnn(x, (h0, torch.zeros(1, x.size(0), self.hidden_size)))
        else:
            out, _ = self.rnn(x, h0)
        return self.fc(out)


def run(cell, seed, epochs, hidden, lr):
    np.random.seed(seed)
    torch.manual_seed(seed)
    X, y = create_sine_wave_data(50, 1000)
    X = torch.tensor(X, dtype=torch.float32).unsqueeze(-1)
    y = torch.tensor(y, dtype=torch.float32).unsqueeze(-1)
    model = SimpleRNN(1, hidden, 1, cell)
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=lr)
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(epochs):
        outputs = model(X)
        optimizer.zero_grad()
        loss = criterion(outputs, y)
        loss.backward()
        optimizer.step()
    seconds = (time.perf_counter() - start) / epochs
    cpu_seconds = (time.process_time() - cpu_start) / epochs
    model.eval()
    with torch.no_grad():
        final = criterion(model(X), y).item()
    return {'model': cell, 'seed': seed, 'trainLoss': loss.item(), 'finalLoss': final, 'secondsPerEpoch': seconds, 'cpuSecondsPerEpoch': cpu_seconds}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    ap.add_argument('--models', nargs='+', default=['rnn', 'lstm', 'gru'])
    ap.add_argument('--epochs', type=int, default=100)
    ap.add_argument('--hidden', type=int, default=32)
    ap.add_argument('--lr', type=float, default=0.01)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    results = []
    for cell in args.models:
        for seed in args.seeds:
            r = run(cell, seed, args.epochs, args.hidden, args.lr)
            results.append(r)
            if not args.json:
                print(f"{cell:4s} seed {seed}: final MSE {r['finalLoss']:.3e} (last training loss {r['trainLoss']:.3e}), "
                      f"{1000 * r['secondsPerEpoch']:.1f} ms/epoch ({1000 * r['cpuSecondsPerEpoch']:.1f} ms CPU)")
    if args.json:
        print(json.dumps(results))
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s)')


if __name__ == '__main__':
    main()
