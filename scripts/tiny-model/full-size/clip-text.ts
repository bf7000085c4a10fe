/**
 * CLIP ViT-L/14's text transformer as SD 1.5 uses it: width 768, 12 layers, 12 heads, QuickGELU MLP ×4,
 * causal mask, final LayerNorm; input_ids [B,77] → last_hidden_state [B,77,768] (+ pooler_output).
 * The token table has the tokenizer's vocabulary size (the generator's own small vocabulary): a Gather's
 * cost does not depend on it. `width`/`layers` shrink it for tests.
 */
import { attr, GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { ModelProto } from '../../../server/src/onnx/proto-writer';
import { Net } from './net';

const TOKENS = 77;

export function buildClipText(g: GraphBuilder, nn: Net, shape: { width: number; layers: number; heads: number; vocabSize: number }): ModelProto {
  const { width, layers, heads, vocabSize } = shape;
  const ids = g.input('input_ids', 'int32', ['batch', TOKENS]);
  const tokens = g.op('Gather', [nn.random('embeddings.token_embedding.weight', [vocabSize, width], 1), ids], { axis: attr.int(0) });
  let h = nn.add(tokens, nn.random('embeddings.position_embedding.weight', [TOKENS, width], 1, 0.5));
  const mask = new Float32Array(TOKENS * TOKENS);
  for (let r = 0; r < TOKENS; r++) for (let c = r + 1; c < TOKENS; c++) mask[r * TOKENS + c] = -1e4;
  const causal = nn.store('causal_mask', [TOKENS, TOKENS], mask);
  for (let l = 0; l < layers; l++) {
    const name = `encoder.layers.${l}`;
    const normed = nn.layerNorm(h, `${name}.layer_norm1`, width);
    h = nn.add(h, nn.attention(normed, normed, `${name}.self_attn`, { query: width, context: width, heads, qkvBias: true }, causal));
    const mlp = nn.quickGelu(nn.linear(nn.layerNorm(h, `${name}.layer_norm2`, width), `${name}.mlp.fc1`, width, 4 * width));
    h = nn.add(h, nn.linear(mlp, `${name}.mlp.fc2`, 4 * width, width));
  }
  // A bias offset gives the output a non-zero mean, as CLIP's has (prompt emphasis rescales by it).
  const last = nn.layerNorm(h, 'final_layer_norm', width, 0.2);
  g.output(last, 'last_hidden_state', nn.float, ['batch', TOKENS, width]);
  g.output(g.op('ReduceMean', [last], { axes: attr.ints([1]), keepdims: attr.int(0) }), 'pooler_output', nn.float, ['batch', width]);
  return g.toModel('insaneres-full-size-model');
}
