#!/usr/bin/env node
// Writes the tiny test model test/fixtures/models/strata-fixtures/tiny-random-bert/: a BERT-shaped
// ONNX graph with RANDOM weights (seeded, so the bytes are reproducible) and a small WordPiece
// tokenizer. It exists to run transformers.js's feature-extraction path end to end (tokenizer,
// ONNX session through onnxruntime-node, mean pooling, normalisation) without a download; its
// vectors carry no meaning. No Python `onnx` package here: the ModelProto is encoded by hand
// below (protobuf wire format, the field numbers of onnx/onnx.proto, cited beside each message).
//
//   node scripts/make-fixture-onnx-model.mjs [outDir]
//
// Graph (opset 17), inputs int64 [batch, seq]: input_ids, attention_mask, token_type_ids.
//   words  = Gather(word_embeddings[V,H], input_ids)
//   types  = Gather(token_type_embeddings[2,H], token_type_ids)
//   last_hidden_state[batch, seq, H] = Tanh(MatMul(words + types, dense_weight[H,H]) + dense_bias[H])
// attention_mask is an input (transformers.js feeds it, as to BERT) that the graph does not use:
// like a real encoder's, the hidden states at [PAD] positions are not zero, so only mean pooling
// over the mask keeps a text's vector independent of the batch it is padded in.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HIDDEN = 32;
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outDir = process.argv[2] ?? join(root, 'test/fixtures/models/strata-fixtures/tiny-random-bert');

// ---- vocabulary (WordPiece) ----
const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz0123456789'.split('');
const PUNCT = '.,!?\'"-:;()/'.split('');
const WORDS = `the of and to in is it you that he was for on are with as his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their time if will
way about many then them write would like so these her long make thing see him two has look more day could go come did
number sound no most people my over know water than call first who may down side been now find any new work part take get
place made live where after back little only round man year came show every good me give our under name very through just
form sentence great think say help low line differ turn cause much mean before move right boy old too same tell does set
three want air well also play small end put home read hand port large spell add even land here must big high such follow
act why ask men change went light kind off need house picture try us again animal point mother world near build self earth
father dog cat beagle pet coffee tea memory agent user meeting project deadline friday monday paris london`
  .split(/\s+/)
  .filter(Boolean);
const vocab = [...SPECIAL, ...PUNCT, ...LETTERS, ...LETTERS.map((c) => `##${c}`), ...new Set(WORDS)];
const VOCAB = vocab.length;

// ---- seeded random weights ----
let seed = 0x5eed1234;
function random() {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randomFloats = (n, scale) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale);

// ---- protobuf wire format ----
const utf8 = (text) => Buffer.from(text, 'utf8');
function varint(value) {
  let n = BigInt.asUintN(64, BigInt(value));
  const bytes = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (n !== 0n);
  return Buffer.from(bytes);
}
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, value) => Buffer.concat([key(field, 0), varint(value)]);
const bytes = (field, buffer) => Buffer.concat([key(field, 2), varint(buffer.length), buffer]);
const str = (field, text) => bytes(field, utf8(text));
const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));

const FLOAT = 1;
const INT64 = 7;
// TensorProto: dims=1, data_type=2, name=8, raw_data=9
function tensor(field, name, dataType, dims, typed) {
  return msg(
    field,
    ...dims.map((d) => int(1, d)),
    int(2, dataType),
    str(8, name),
    bytes(9, Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength)),
  );
}
// ValueInfoProto: name=1, type=2; TypeProto.tensor_type=1; Tensor: elem_type=1, shape=2;
// TensorShapeProto.dim=1; Dimension: dim_value=1, dim_param=2
function valueInfo(field, name, elemType, dims) {
  const shape = dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return msg(field, str(1, name), msg(2, msg(1, int(1, elemType), msg(2, ...shape))));
}
// AttributeProto: name=1, i=3, type=20 (INT=2)
const intAttribute = (name, value) => msg(5, str(1, name), int(3, value), int(20, 2));
// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5
function node(op, inputs, outputs, ...attributes) {
  return msg(
    1,
    ...inputs.map((i) => str(1, i)),
    ...outputs.map((o) => str(2, o)),
    str(3, `${op}_${outputs[0]}`),
    str(4, op),
    ...attributes,
  );
}

// GraphProto: node=1, name=2, initializer=5, input=11, output=12
const graph = Buffer.concat([
  node('Gather', ['word_embeddings', 'input_ids'], ['words'], intAttribute('axis', 0)),
  node('Gather', ['token_type_embeddings', 'token_type_ids'], ['types'], intAttribute('axis', 0)),
  node('Add', ['words', 'types'], ['embedded']),
  node('MatMul', ['embedded', 'dense_weight'], ['projected']),
  node('Add', ['projected', 'dense_bias'], ['biased']),
  node('Tanh', ['biased'], ['last_hidden_state']),
  str(2, 'tiny-random-bert'),
  tensor(5, 'word_embeddings', FLOAT, [VOCAB, HIDDEN], randomFloats(VOCAB * HIDDEN, 1)),
  tensor(5, 'token_type_embeddings', FLOAT, [2, HIDDEN], randomFloats(2 * HIDDEN, 0.1)),
  tensor(5, 'dense_weight', FLOAT, [HIDDEN, HIDDEN], randomFloats(HIDDEN * HIDDEN, 1 / Math.sqrt(HIDDEN))),
  tensor(5, 'dense_bias', FLOAT, [HIDDEN], randomFloats(HIDDEN, 0.1)),
  valueInfo(11, 'input_ids', INT64, ['batch_size', 'sequence_length']),
  valueInfo(11, 'attention_mask', INT64, ['batch_size', 'sequence_length']),
  valueInfo(11, 'token_type_ids', INT64, ['batch_size', 'sequence_length']),
  valueInfo(12, 'last_hidden_state', FLOAT, ['batch_size', 'sequence_length', HIDDEN]),
]);
// ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8 (OperatorSetIdProto: domain=1, version=2)
const model = Buffer.concat([
  int(1, 8),
  str(2, 'strata make-fixture-onnx-model'),
  str(3, '1'),
  bytes(7, graph),
  msg(8, str(1, ''), int(2, 17)),
]);

// ---- tokenizer and config ----
const addedToken = (content) => ({
  id: vocab.indexOf(content),
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});
const special = (id) => ({ SpecialToken: { id, type_id: 0 } });
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: SPECIAL.map(addedToken),
  normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: 'BertPreTokenizer' },
  post_processor: {
    type: 'TemplateProcessing',
    single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
    pair: [
      special('[CLS]'),
      { Sequence: { id: 'A', type_id: 0 } },
      special('[SEP]'),
      { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '[SEP]', type_id: 1 } },
    ],
    special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab.indexOf(t)], tokens: [t] }])),
  },
  decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  model: {
    type: 'WordPiece',
    unk_token: '[UNK]',
    continuing_subword_prefix: '##',
    max_input_chars_per_word: 100,
    vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
  },
};
const tokenizerConfig = {
  tokenizer_class: 'BertTokenizer',
  do_lower_case: true,
  model_max_length: 128,
  clean_up_tokenization_spaces: true,
  cls_token: '[CLS]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  unk_token: '[UNK]',
  mask_token: '[MASK]',
};
const config = {
  _comment: 'Test fixture with RANDOM weights (scripts/make-fixture-onnx-model.mjs): exercises the loading path, not semantics.',
  architectures: ['BertModel'],
  model_type: 'bert',
  hidden_size: HIDDEN,
  vocab_size: VOCAB,
  num_hidden_layers: 0,
  num_attention_heads: 1,
  intermediate_size: HIDDEN,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  pad_token_id: 0,
};

mkdirSync(join(outDir, 'onnx'), { recursive: true });
writeFileSync(join(outDir, 'onnx/model.onnx'), model);
writeFileSync(join(outDir, 'tokenizer.json'), `${JSON.stringify(tokenizer, null, 2)}\n`);
writeFileSync(join(outDir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfig, null, 2)}\n`);
writeFileSync(join(outDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
process.stdout.write(`wrote ${outDir}: vocab ${VOCAB}, hidden ${HIDDEN}, model.onnx ${model.length} bytes\n`);
