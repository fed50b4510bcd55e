/** The base of every BERT head: the config it was built from. */
import { Module } from '../../nn/module.js';
import type { BertConfig } from './config.js';

export class BertPreTrainedModel extends Module {
  readonly config: BertConfig;

  constructor(config: BertConfig) {
    super();
    config.validate();
    this.config = config;
  }
}
