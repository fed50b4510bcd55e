#!/usr/bin/python3
"""BERT in plain PyTorch 1.13, a port of Hugging Face transformers' modeling_bert.py (eager attention).

Debian has no `transformers` package, so this file is the course's PyTorch twin of nabla's BERT:
the same module names (so state_dict keys are transformers' keys), initialisation and forward
(absolute positions, post-norm layers, additive attention mask (1 - mask) * finfo.min, dropout on
the attention probabilities, the masked-LM decoder tied to the word embeddings), and the same losses.
Left out: cross-attention/decoder use, key/value caches, head masks, relative positions.

Other tools import it:

    sys.path.insert(0, 'tools'); import bert_reference as br
    config = br.BertConfig(vocab_size=99, hidden_size=32, ...)   # or br.BertConfig.from_json_file(path)
    model = br.BertForPreTraining(config)
    out = model(input_ids, attention_mask=..., token_type_ids=..., labels=..., next_sentence_label=...)
    out.loss, out.prediction_logits, out.seq_relationship_logits
    model = br.from_pretrained(br.BertForSequenceClassification, directory)   # config.json + model.safetensors
    br.save_pretrained(model, directory)                                       # as transformers writes them

Outputs are ModelOutput objects: attributes with transformers' names (loss, logits, start_logits,
last_hidden_state, pooler_output, hidden_states, attentions, ...), absent ones None.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_check import load as load_safetensors, save as save_safetensors  # noqa: E402


class BertConfig:
    """transformers' BertConfig defaults (bert-base-uncased), plus PretrainedConfig's labels fields."""

    DEFAULTS = dict(
        vocab_size=30522, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        hidden_act='gelu', hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, max_position_embeddings=512,
        type_vocab_size=2, initializer_range=0.02, layer_norm_eps=1e-12, pad_token_id=0,
        position_embedding_type='absolute', classifier_dropout=None, problem_type=None, num_labels=2,
    )

    def __init__(self, **kwargs):
        values = dict(self.DEFAULTS)
        values.update(kwargs)
        if 'id2label' in kwargs and kwargs['id2label'] is not None and 'num_labels' not in kwargs:
            values['num_labels'] = len(kwargs['id2label'])
        for k, v in values.items():
            setattr(self, k, v)
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(f'The hidden size ({self.hidden_size}) is not a multiple of the number of attention heads ({self.num_attention_heads})')
        if self.position_embedding_type not in ('absolute', 'relative_key', 'relative_key_query'):
            raise ValueError(f'position_embedding_type {self.position_embedding_type!r} is not ported')

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        if 'id2label' in d:
            d['num_labels'] = len(d['id2label'])
        d.pop('label2id', None)
        return cls(**d)

    @classmethod
    def from_json_file(cls, path):
        with open(path, encoding='utf-8') as f:
            return cls.from_dict(json.load(f))

    def to_dict(self):
        d = {k: v for k, v in vars(self).items()}
        n = d.pop('num_labels')
        if n != 2 or 'id2label' in d:
            names = d.get('id2label') or {str(i): f'LABEL_{i}' for i in range(n)}
            d['id2label'] = {str(k): v for k, v in names.items()}
            d['label2id'] = {v: int(k) for k, v in names.items()}
        d['model_type'] = 'bert'
        if d.get('problem_type') is None:
            d.pop('problem_type', None)
        return d


class ModelOutput(dict):
    """transformers' ModelOutput in miniature: a dict whose keys are also attributes (missing ones are None)."""

    def __getattr__(self, name):
        return self.get(name)


def new_gelu(x):
    # transformers' NewGELUActivation (gelu_new), the tanh approximation of Hendrycks & Gimpel
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT2FN = {
    'gelu': F.gelu,
    'gelu_new': new_gelu,
    'gelu_pytorch_tanh': lambda x: F.gelu(x, approximate='tanh'),
    'relu': F.relu,
    'silu': F.silu,
    'swish': F.silu,
    'tanh': torch.tanh,
}


class BertEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.position_embedding_type = config.position_embedding_type
        self.register_buffer('position_ids', torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False)
        self.register_buffer('token_type_ids', torch.zeros(self.position_ids.size(), dtype=torch.long), persistent=False)

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        seq_length = input_ids.size(1)
        if position_ids is None:
            position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = self.token_type_ids[:, :seq_length].expand(input_ids.size(0), seq_length)
        embeddings = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        if self.position_embedding_type == 'absolute':
            embeddings = embeddings + self.position_embeddings(position_ids)
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings)


class BertSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.hidden_size // config.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query = nn.Linear(config.hidden_size, self.all_head_size)
        self.key = nn.Linear(config.hidden_size, self.all_head_size)
        self.value = nn.Linear(config.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.position_embedding_type = config.position_embedding_type
        if self.position_embedding_type in ('relative_key', 'relative_key_query'):
            self.max_position_embeddings = config.max_position_embeddings
            self.distance_embedding = nn.Embedding(2 * config.max_position_embeddings - 1, self.attention_head_size)

    def transpose_for_scores(self, x):
        x = x.view(x.size()[:-1] + (self.num_attention_heads, self.attention_head_size))
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        query_layer = self.transpose_for_scores(self.query(hidden_states))
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        if self.position_embedding_type in ('relative_key', 'relative_key_query'):
            query_length, key_length = query_layer.shape[2], key_layer.shape[2]
            distance = torch.arange(query_length).view(-1, 1) - torch.arange(key_length).view(1, -1)
            positional_embedding = self.distance_embedding(distance + self.max_position_embeddings - 1).to(dtype=query_layer.dtype)
            attention_scores = attention_scores + torch.einsum('bhld,lrd->bhlr', query_layer, positional_embedding)
            if self.position_embedding_type == 'relative_key_query':
                attention_scores = attention_scores + torch.einsum('bhrd,lrd->bhlr', key_layer, positional_embedding)
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask
        attention_probs = F.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        context_layer = context_layer.view(context_layer.size()[:-2] + (self.all_head_size,))
        return (context_layer, attention_probs) if output_attentions else (context_layer,)


class BertSelfOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        self_outputs = self.self(hidden_states, attention_mask, output_attentions)
        attention_output = self.output(self_outputs[0], hidden_states)
        return (attention_output,) + self_outputs[1:]


class BertIntermediate(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = ACT2FN[config.hidden_act]

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dropout(self.dense(hidden_states))
        return self.LayerNorm(hidden_states + input_tensor)


class BertLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        self_attention_outputs = self.attention(hidden_states, attention_mask, output_attentions)
        attention_output = self_attention_outputs[0]
        layer_output = self.output(self.intermediate(attention_output), attention_output)
        return (layer_output,) + self_attention_outputs[1:]


class BertEncoder(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None, output_attentions=False, output_hidden_states=False):
        all_hidden_states = () if output_hidden_states else None
        all_attentions = () if output_attentions else None
        for layer_module in self.layer:
            if output_hidden_states:
                all_hidden_states = all_hidden_states + (hidden_states,)
            layer_outputs = layer_module(hidden_states, attention_mask, output_attentions)
            hidden_states = layer_outputs[0]
            if output_attentions:
                all_attentions = all_attentions + (layer_outputs[1],)
        if output_hidden_states:
            all_hidden_states = all_hidden_states + (hidden_states,)
        return ModelOutput(last_hidden_state=hidden_states, hidden_states=all_hidden_states, attentions=all_attentions)


class BertPooler(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        return self.activation(self.dense(hidden_states[:, 0]))


class BertPredictionHeadTransform(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = ACT2FN[config.hidden_act]
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.decoder.bias = self.bias

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output):
        return self.predictions(sequence_output)


class BertPreTrainingHeads(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)
        self.seq_relationship = nn.Linear(config.hidden_size, 2)

    def forward(self, sequence_output, pooled_output):
        return self.predictions(sequence_output), self.seq_relationship(pooled_output)


class BertPreTrainedModel(nn.Module):
    base_model_prefix = 'bert'
    # what transformers' save_pretrained leaves out of model.safetensors (shared with a kept tensor)
    tied_weights_keys = []

    def __init__(self, config):
        super().__init__()
        self.config = config

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.bias is not None:
                module.bias.data.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.data.normal_(mean=0.0, std=self.config.initializer_range)
            if module.padding_idx is not None:
                module.weight.data[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            module.bias.data.zero_()
            module.weight.data.fill_(1.0)
        elif isinstance(module, BertLMPredictionHead):
            module.bias.data.zero_()

    def post_init(self):
        self.apply(self._init_weights)
        self.tie_weights()

    def tie_weights(self):
        pass


def extended_attention_mask(attention_mask, dtype):
    """transformers' get_extended_attention_mask for an encoder: [batch, seq] -> [batch, 1, 1, seq] additive."""
    extended = attention_mask[:, None, None, :].to(dtype=dtype)
    return (1.0 - extended) * torch.finfo(dtype).min


class BertModel(BertPreTrainedModel):
    def __init__(self, config, add_pooling_layer=True):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.post_init()

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None,
                output_attentions=False, output_hidden_states=False):
        batch_size, seq_length = input_ids.shape
        if attention_mask is None:
            attention_mask = torch.ones((batch_size, seq_length), device=input_ids.device)
        embedding_output = self.embeddings(input_ids, token_type_ids=token_type_ids, position_ids=position_ids)
        mask = extended_attention_mask(attention_mask, embedding_output.dtype)
        encoder_outputs = self.encoder(embedding_output, mask, output_attentions=output_attentions,
                                       output_hidden_states=output_hidden_states)
        sequence_output = encoder_outputs.last_hidden_state
        pooled_output = self.pooler(sequence_output) if self.pooler is not None else None
        return ModelOutput(last_hidden_state=sequence_output, pooler_output=pooled_output,
                           hidden_states=encoder_outputs.hidden_states, attentions=encoder_outputs.attentions)


def _bert_kwargs(kwargs):
    keys = ('attention_mask', 'token_type_ids', 'position_ids', 'output_attentions', 'output_hidden_states')
    return {k: kwargs[k] for k in keys if k in kwargs}


def _extras(outputs):
    return dict(hidden_states=outputs.hidden_states, attentions=outputs.attentions)


class BertForPreTraining(BertPreTrainedModel):
    tied_weights_keys = ['predictions.decoder.bias', 'cls.predictions.decoder.weight']

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config)
        self.cls = BertPreTrainingHeads(config)
        self.post_init()

    def tie_weights(self):
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight
        self.cls.predictions.decoder.bias = self.cls.predictions.bias

    def forward(self, input_ids, labels=None, next_sentence_label=None, **kwargs):
        outputs = self.bert(input_ids, **_bert_kwargs(kwargs))
        prediction_scores, seq_relationship_score = self.cls(outputs.last_hidden_state, outputs.pooler_output)
        total_loss = None
        if labels is not None and next_sentence_label is not None:
            loss_fct = nn.CrossEntropyLoss()
            masked_lm_loss = loss_fct(prediction_scores.view(-1, self.config.vocab_size), labels.view(-1))
            next_sentence_loss = loss_fct(seq_relationship_score.view(-1, 2), next_sentence_label.view(-1))
            total_loss = masked_lm_loss + next_sentence_loss
        return ModelOutput(loss=total_loss, prediction_logits=prediction_scores,
                           seq_relationship_logits=seq_relationship_score, **_extras(outputs))


class BertForMaskedLM(BertPreTrainedModel):
    tied_weights_keys = ['predictions.decoder.bias', 'cls.predictions.decoder.weight']

    def __init__(self, config):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False)
        self.cls = BertOnlyMLMHead(config)
        self.post_init()

    def tie_weights(self):
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight
        self.cls.predictions.decoder.bias = self.cls.predictions.bias

    def forward(self, input_ids, labels=None, **kwargs):
        outputs = self.bert(input_ids, **_bert_kwargs(kwargs))
        prediction_scores = self.cls(outputs.last_hidden_state)
        loss = None
        if labels is not None:
            loss = nn.CrossEntropyLoss()(prediction_scores.view(-1, self.config.vocab_size), labels.view(-1))
        return ModelOutput(loss=loss, logits=prediction_scores, **_extras(outputs))


class BertForSequenceClassification(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        classifier_dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, labels=None, **kwargs):
        outputs = self.bert(input_ids, **_bert_kwargs(kwargs))
        logits = self.classifier(self.dropout(outputs.pooler_output))
        loss = None
        if labels is not None:
            problem_type = self.config.problem_type
            if problem_type is None:
                if self.num_labels == 1:
                    problem_type = 'regression'
                elif labels.dtype in (torch.long, torch.int):
                    problem_type = 'single_label_classification'
                else:
                    problem_type = 'multi_label_classification'
            if problem_type == 'regression':
                loss_fct = nn.MSELoss()
                loss = loss_fct(logits.squeeze(), labels.squeeze()) if self.num_labels == 1 else loss_fct(logits, labels)
            elif problem_type == 'single_label_classification':
                loss = nn.CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
            else:
                loss = nn.BCEWithLogitsLoss()(logits, labels)
        return ModelOutput(loss=loss, logits=logits, **_extras(outputs))


class BertForTokenClassification(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        classifier_dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, labels=None, **kwargs):
        outputs = self.bert(input_ids, **_bert_kwargs(kwargs))
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = nn.CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
        return ModelOutput(loss=loss, logits=logits, **_extras(outputs))


class BertForQuestionAnswering(BertPreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def forward(self, input_ids, start_positions=None, end_positions=None, **kwargs):
        outputs = self.bert(input_ids, **_bert_kwargs(kwargs))
        logits = self.qa_outputs(outputs.last_hidden_state)
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits = start_logits.squeeze(-1).contiguous()
        end_logits = end_logits.squeeze(-1).contiguous()
        total_loss = None
        if start_positions is not None and end_positions is not None:
            if len(start_positions.size()) > 1:
                start_positions = start_positions.squeeze(-1)
            if len(end_positions.size()) > 1:
                end_positions = end_positions.squeeze(-1)
            ignored_index = start_logits.size(1)
            start_positions = start_positions.clamp(0, ignored_index)
            end_positions = end_positions.clamp(0, ignored_index)
            loss_fct = nn.CrossEntropyLoss(ignore_index=ignored_index)
            total_loss = (loss_fct(start_logits, start_positions) + loss_fct(end_logits, end_positions)) / 2
        return ModelOutput(loss=total_loss, start_logits=start_logits, end_logits=end_logits, **_extras(outputs))


HEADS = {cls.__name__: cls for cls in (BertModel, BertForPreTraining, BertForMaskedLM, BertForSequenceClassification,
                                       BertForTokenClassification, BertForQuestionAnswering)}


def checkpoint_state(model):
    """The state dict transformers' save_pretrained writes to model.safetensors: tied copies left out."""
    state = model.state_dict()
    for key in getattr(model, 'tied_weights_keys', []):
        for name in [k for k in state if k.endswith(key)]:
            del state[name]
    return {k: v.detach().float().contiguous() for k, v in state.items()}


def save_pretrained(model, directory):
    os.makedirs(directory, exist_ok=True)
    config = model.config.to_dict()
    config['architectures'] = [type(model).__name__]
    with open(os.path.join(directory, 'config.json'), 'w', encoding='utf-8') as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + '\n')
    save_safetensors(checkpoint_state(model), {'format': 'pt'}, os.path.join(directory, 'model.safetensors'))


def from_pretrained(cls, directory, strict=True):
    """Loads config.json + model.safetensors; strict: every key of the model present, none left over
    (tied copies and a bare BertModel's missing `bert.` prefix handled as transformers does)."""
    config = BertConfig.from_json_file(os.path.join(directory, 'config.json'))
    model = cls(config)
    tensors, _, _ = load_safetensors(os.path.join(directory, 'model.safetensors'))
    expected = model.state_dict()
    prefix = model.base_model_prefix + '.'
    if cls is not BertModel and not any(k.startswith(prefix) for k in tensors):
        tensors = {prefix + k: v for k, v in tensors.items()}
    if cls is BertModel and any(k.startswith(prefix) for k in tensors):
        tensors = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
    tied = [k for k in expected if any(k.endswith(t) for t in getattr(model, 'tied_weights_keys', []))]
    missing = [k for k in expected if k not in tensors and k not in tied]
    unexpected = [k for k in tensors if k not in expected]
    if strict and (missing or unexpected):
        raise RuntimeError(f'{cls.__name__}: missing keys {missing}, unexpected keys {unexpected}')
    state = {k: v.to(expected[k].dtype) for k, v in tensors.items() if k in expected and k not in tied}
    model.load_state_dict(state, strict=False)
    model.tie_weights()
    return model
