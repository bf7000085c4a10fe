/**
 * A one-layer CLIP-like text encoder: input_ids [B,77] → last_hidden_state [B,77,D] (+ pooler_output [B,D]).
 * Token and position embeddings, one pre-norm causal self-attention block with a QuickGELU MLP, final LayerNorm
 * whose bias is offset so the output has a non-zero mean (prompt-emphasis rescaling divides by that mean).
 */
import { attr, GraphBuilder } from '../../server/src/onnx/graph-builder';
import { ModelProto } from '../../server/src/onnx/proto-writer';
import { floatOutput, Layers } from './layers';
import { ResolvedOptions } from './options';
import { prngFor } from './prng';

export const MAX_TOKENS = 77;
const PRODUCER = 'insaneres-tiny-model';

export function buildTextEncoder(options: ResolvedOptions, vocabSize: number): ModelProto {
  const g = new GraphBuilder('text_encoder');
  const nn = new Layers(g, prngFor(options.seed, 'text_encoder'));
  const width = options.textHiddenSize;
  const batch = options.staticShape ? 1 : 'batch';

  const inputIds = g.input('input_ids', options.inputIds, [batch, MAX_TOKENS]);
  const tokenTable = nn.randomWeight('embeddings.token_embedding.weight', [vocabSize, width], 1);
  const positionTable = nn.randomWeight('embeddings.position_embedding.weight', [MAX_TOKENS, width], 1, 0.5);
  const tokens = g.op('Gather', [tokenTable, inputIds], { axis: attr.int(0) });
  let hidden = nn.add(tokens, positionTable);

  const attended = nn.layerNorm(hidden, 'layers.0.layer_norm1', width);
  const selfAttention = nn.attention(
    attended,
    attended,
    'layers.0.self_attn',
    { query: width, context: width, inner: width },
    g.weight('causal_mask', [MAX_TOKENS, MAX_TOKENS], causalMask(MAX_TOKENS)),
  );
  hidden = nn.add(hidden, selfAttention);

  const mlpInput = nn.layerNorm(hidden, 'layers.0.layer_norm2', width);
  const expanded = nn.quickGelu(nn.linear(mlpInput, 'layers.0.mlp.fc1', width, 4 * width));
  hidden = nn.add(hidden, nn.linear(expanded, 'layers.0.mlp.fc2', 4 * width, width));

  const lastHiddenState = nn.layerNorm(hidden, 'final_layer_norm', width, 0.2);
  floatOutput(g, lastHiddenState, 'last_hidden_state', [batch, MAX_TOKENS, width], options.precision);
  // Real exports have a second output; a loader must pick outputs by name, not position.
  const pooled = g.op('ReduceMean', [lastHiddenState], { axes: attr.ints([1]), keepdims: attr.int(0) });
  floatOutput(g, pooled, 'pooler_output', [batch, width], options.precision);
  return g.toModel(PRODUCER);
}

/** CLIP's text transformer is causal: token i sees tokens ≤ i (additive mask, -1e4 stays finite in fp16). */
function causalMask(length: number): Float32Array {
  const mask = new Float32Array(length * length);
  for (let row = 0; row < length; row++) {
    for (let column = row + 1; column < length; column++) mask[row * length + column] = -1e4;
  }
  return mask;
}
