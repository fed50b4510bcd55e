/**
 * BERT's pretraining loss, computed as google-research/bert computes it: the vocabulary projection
 * (`cls.predictions`, hidden -> vocabSize, the largest matrix of a small BERT) runs only at the
 * masked positions, gathered from the encoder's output, not at every position as Hugging Face's
 * BertForPreTraining does before its cross-entropy ignores the -100 labels. The loss and its
 * gradients are the same; with 15% of the tokens masked the projection costs ~7x less.
 *
 * Also the held-out measurements: MLM loss and accuracy over the masked tokens, NSP accuracy, and
 * what they must beat: always guessing the most frequent token, and always guessing the more
 * frequent next-sentence label (create_pretraining_data makes more random "next" sentences than
 * half when chunks hold a single sentence).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { noGrad } from '../../autograd/grad-mode.js';
import { indexSelect } from '../../ops/indexing.js';
import { crossEntropy } from '../../nn/loss.js';
import type { BertForPreTraining } from './heads.js';
import type { PretrainingBatch } from './pretraining-data.js';

/** The pretraining losses and logits with the vocabulary projection run at the masked positions only. */
export interface PretrainingOutput {
  /** mlmLoss + nspLoss (BertForPreTraining's total loss) */
  loss: Tensor;
  /** mean cross-entropy over the masked tokens */
  mlmLoss: Tensor;
  nspLoss: Tensor;
  /** [masked, vocabSize]: scores at the masked positions only */
  mlmLogits: Tensor;
  /** [masked] the masked tokens' true ids */
  mlmTargets: Tensor;
  /** [batch, 2] */
  seqRelationshipLogits: Tensor;
}

/** The pretraining forward pass with the vocabulary projection at the masked positions only. */
export function pretrainingForward(model: BertForPreTraining, batch: PretrainingBatch): PretrainingOutput {
  const { lastHiddenState, poolerOutput } = model.bert.call(batch.inputIds, {
    attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds,
  });
  if (poolerOutput === null) throw new Error('pretrainingForward: the model has no pooler, which next-sentence prediction needs');
  const hidden = lastHiddenState.shape[2]!;
  const targets = batch.maskedLabels;
  if (targets.shape[0] === 0) throw new Error('pretrainingForward: the batch has no masked token');
  const gathered = indexSelect(lastHiddenState.reshape(-1, hidden), 0, batch.maskedIndices);
  const mlmLogits = model.cls.predictions.call(gathered);
  const seqRelationshipLogits = model.cls.seq_relationship.call(poolerOutput);
  const mlmLoss = crossEntropy(mlmLogits, targets);
  const nspLoss = crossEntropy(seqRelationshipLogits, batch.nextSentenceLabel);
  return { loss: mlmLoss.add(nspLoss), mlmLoss, nspLoss, mlmLogits, mlmTargets: targets, seqRelationshipLogits };
}

/** Correct predictions of a forward pass (masked tokens and next-sentence labels), with the masked-LM guesses they count. */
export function pretrainingCounts(out: PretrainingOutput, batch: PretrainingBatch): { mlmCorrect: number; masked: number; nspCorrect: number; pairs: number; mlmGuesses: ArrayLike<number> } {
  return noGrad(() => {
    const mlmGuess = out.mlmLogits.argmax(1).contiguousData();
    const mlmTruth = out.mlmTargets.contiguousData();
    let mlmCorrect = 0;
    for (let i = 0; i < mlmTruth.length; i++) if (mlmGuess[i] === mlmTruth[i]) mlmCorrect++;
    const nspGuess = out.seqRelationshipLogits.argmax(1).contiguousData();
    const nspTruth = batch.nextSentenceLabel.contiguousData();
    let nspCorrect = 0;
    for (let i = 0; i < nspTruth.length; i++) if (nspGuess[i] === nspTruth[i]) nspCorrect++;
    return { mlmCorrect, masked: mlmTruth.length, nspCorrect, pairs: nspTruth.length, mlmGuesses: mlmGuess };
  });
}

/** Held-out pretraining measurements: MLM loss and accuracy, NSP loss and accuracy, and the baselines they must beat. */
export interface PretrainingEvaluation {
  /** mean cross-entropy per masked token */
  mlmLoss: number;
  mlmAccuracy: number;
  /**
   * Accuracy of a model that reads no context: at a masked position whose input still shows the token (BERT's 10%
   * left unchanged) it copies that token, elsewhere it guesses `baselineToken`.
   */
  baselineAccuracy: number;
  baselineToken: number;
  /** Accuracy at the masked positions whose input hides the token ([MASK] or a random token): what context must predict. */
  hiddenAccuracy: number;
  /** Accuracy of always guessing `baselineToken` at those positions. */
  hiddenBaselineAccuracy: number;
  nspLoss: number;
  nspAccuracy: number;
  /** accuracy of always guessing the more frequent next-sentence label of these pairs */
  nspMajorityAccuracy: number;
  maskedTokens: number;
  pairs: number;
}

/**
 * MLM and NSP loss and accuracy over held-out batches (eval mode, no gradients), next to a model that reads no
 * context: one that copies the visible token at the masked positions BERT leaves unchanged and otherwise guesses
 * `baselineToken` (mostFrequentToken of the training data). The positions whose input hides the token are also
 * scored on their own, since copying cannot reach them.
 */
export function evaluatePretraining(model: BertForPreTraining, batches: Iterable<PretrainingBatch>, baselineToken: number): PretrainingEvaluation {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let mlmLoss = 0, nspLoss = 0, mlmCorrect = 0, masked = 0, nspCorrect = 0, pairs = 0, baselineHits = 0, randomNext = 0;
      let hidden = 0, hiddenCorrect = 0, hiddenBaselineHits = 0;
      for (const batch of batches) {
        const out = pretrainingForward(model, batch);
        const counts = pretrainingCounts(out, batch);
        mlmLoss += out.mlmLoss.item() * counts.masked;
        nspLoss += out.nspLoss.item() * counts.pairs;
        mlmCorrect += counts.mlmCorrect;
        nspCorrect += counts.nspCorrect;
        masked += counts.masked;
        pairs += counts.pairs;
        const targets = out.mlmTargets.contiguousData(), guesses = counts.mlmGuesses;
        const inputs = batch.inputIds.contiguousData(), positions = batch.maskedIndices.contiguousData();
        for (let i = 0; i < targets.length; i++) {
          const t = targets[i]!;
          if (inputs[positions[i]!] === t) {
            baselineHits++;
            continue;
          }
          hidden++;
          if (guesses[i] === t) hiddenCorrect++;
          if (t === baselineToken) {
            baselineHits++;
            hiddenBaselineHits++;
          }
        }
        for (const l of batch.nextSentenceLabel.contiguousData()) randomNext += l;
      }
      if (masked === 0) throw new Error('evaluatePretraining: no held-out batch');
      return {
        mlmLoss: mlmLoss / masked, mlmAccuracy: mlmCorrect / masked, baselineAccuracy: baselineHits / masked, baselineToken,
        hiddenAccuracy: hiddenCorrect / Math.max(1, hidden), hiddenBaselineAccuracy: hiddenBaselineHits / Math.max(1, hidden),
        nspLoss: nspLoss / pairs, nspAccuracy: nspCorrect / pairs, nspMajorityAccuracy: Math.max(randomNext, pairs - randomNext) / pairs, maskedTokens: masked, pairs,
      };
    });
  } finally {
    model.train(wasTraining);
  }
}

/** The most frequent id over token sequences, leaving out `exclude` (the special tokens, which are never masked). */
export function mostFrequentToken(sequences: Iterable<ArrayLike<number>>, exclude: Iterable<number>): number {
  const skip = new Set(exclude);
  const counts = new Map<number, number>();
  for (const seq of sequences) {
    for (let i = 0; i < seq.length; i++) {
      const id = seq[i]!;
      if (!skip.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  let best = -1, bestCount = 0;
  for (const [id, n] of counts) if (n > bestCount || (n === bestCount && id < best)) [best, bestCount] = [id, n];
  if (best < 0) throw new Error('mostFrequentToken: no token outside the excluded ones');
  return best;
}
