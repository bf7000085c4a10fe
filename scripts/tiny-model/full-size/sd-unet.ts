/**
 * SD 1.5's UNet2DConditionModel, layer for layer (diffusers config of runwayml/stable-diffusion-v1-5:
 * block_out_channels 320/640/1280/1280, layers_per_block 2, 8 attention heads, cross_attention_dim 768,
 * CrossAttnDownBlock2D ×3 + DownBlock2D, UNetMidBlock2DCrossAttn, UpBlock2D + CrossAttnUpBlock2D ×3,
 * GroupNorm 32, GEGLU feed-forward, 1×1 proj_in/proj_out). `base` scales every width (320 real) so tests
 * can run the same graph small.
 */
import { attr, GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { ModelProto } from '../../../server/src/onnx/proto-writer';
import { Net } from './net';

const HEADS = 8;

export interface UnetShape {
  base: number;
  contextWidth: number;
  /**
   * An LCM-distilled UNet: a `timestep_cond` [B, dim] input (diffusers' `time_cond_proj_dim`, 256 in
   * LCM_Dreamshaper_v7) through `time_embedding.cond_proj`, whose weight `condNet` makes (a Net of its own, so
   * every other weight stays where the ordinary UNet has it).
   */
  timestepCond?: { dim: number; condNet: Net };
}

export function buildSdUnet(g: GraphBuilder, nn: Net, shape: UnetShape): ModelProto {
  const { base, contextWidth } = shape;
  const blockChannels = [base, 2 * base, 4 * base, 4 * base];
  const timeChannels = 4 * base;

  const sample = g.input('sample', nn.float, ['batch', 4, 'height', 'width']);
  const timestep = g.input('timestep', 'int64', ['steps']);
  const context = g.input('encoder_hidden_states', nn.float, ['batch', 'sequence', contextWidth]);
  const cond = shape.timestepCond;
  const condInput = cond ? g.input('timestep_cond', nn.float, ['batch', cond.dim]) : null;
  const condBias = cond && condInput ? cond.condNet.linear(condInput, 'time_embedding.cond_proj', cond.dim, base, false) : null;

  const embedding = timeEmbedding(nn, timestep, base, timeChannels, condBias);
  let h = nn.conv(sample, 'conv_in', 4, base, 3);
  const skips: [string, number][] = [[h, base]];
  let channels = base;
  for (let b = 0; b < 4; b++) {
    const out = blockChannels[b];
    for (let l = 0; l < 2; l++) {
      h = resnet(nn, h, embedding, `down_blocks.${b}.resnets.${l}`, channels, out, timeChannels);
      channels = out;
      if (b < 3) h = transformer(nn, h, context, `down_blocks.${b}.attentions.${l}`, channels, contextWidth);
      skips.push([h, channels]);
    }
    if (b < 3) {
      h = nn.conv(h, `down_blocks.${b}.downsamplers.0.conv`, channels, channels, 3, 2);
      skips.push([h, channels]);
    }
  }
  h = resnet(nn, h, embedding, 'mid_block.resnets.0', channels, channels, timeChannels);
  h = transformer(nn, h, context, 'mid_block.attentions.0', channels, contextWidth);
  h = resnet(nn, h, embedding, 'mid_block.resnets.1', channels, channels, timeChannels);

  const upChannels = [...blockChannels].reverse();
  for (let b = 0; b < 4; b++) {
    const out = upChannels[b];
    for (let l = 0; l < 3; l++) {
      const [skip, skipChannels] = skips.pop() as [string, number];
      h = g.op('Concat', [h, skip], { axis: attr.int(1) });
      h = resnet(nn, h, embedding, `up_blocks.${b}.resnets.${l}`, channels + skipChannels, out, timeChannels);
      channels = out;
      if (b > 0) h = transformer(nn, h, context, `up_blocks.${b}.attentions.${l}`, channels, contextWidth);
    }
    if (b < 3) h = nn.conv(nn.upsample2x(h), `up_blocks.${b}.upsamplers.0.conv`, channels, channels, 3);
  }
  h = nn.silu(nn.groupNorm(h, 'conv_norm_out', channels, 1e-5));
  const out = nn.conv(h, 'conv_out', channels, 4, 3);
  g.output(out, 'out_sample', nn.float, ['batch', 4, 'height', 'width']);
  return g.toModel('insaneres-full-size-model');
}

/**
 * Sinusoidal timestep features (flip_sin_to_cos: cos first), plus cond_proj(timestep_cond) for LCM-distilled
 * UNets (diffusers' TimestepEmbedding: `sample = sample + self.cond_proj(condition)`), then Linear → SiLU → Linear.
 */
function timeEmbedding(nn: Net, timestep: string, channels: number, timeChannels: number, condBias: string | null): string {
  const g = nn.g;
  const half = channels / 2;
  const t = g.op('Reshape', [g.op('Cast', [timestep], { to: attr.int(nn.floatCode) }), g.constInt64([-1, 1])]);
  const phases = g.op('Mul', [t, nn.c(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)), [1, half])]);
  const sinusoid = g.op('Concat', [g.op('Cos', [phases]), g.op('Sin', [phases])], { axis: attr.int(1) });
  const features = condBias ? nn.add(sinusoid, condBias) : sinusoid;
  return nn.linear(nn.silu(nn.linear(features, 'time_embedding.linear_1', channels, timeChannels)), 'time_embedding.linear_2', timeChannels, timeChannels);
}

/** ResnetBlock2D: norm, SiLU, conv, + time projection, norm, SiLU, conv, + (1×1-projected) input. */
function resnet(nn: Net, x: string, embedding: string, name: string, inC: number, outC: number, timeChannels: number): string {
  const g = nn.g;
  let h = nn.conv(nn.silu(nn.groupNorm(x, `${name}.norm1`, inC, 1e-5)), `${name}.conv1`, inC, outC, 3);
  const timeBias = nn.linear(nn.silu(embedding), `${name}.time_emb_proj`, timeChannels, outC);
  h = nn.add(h, g.op('Unsqueeze', [timeBias, g.constInt64([2, 3])]));
  h = nn.conv(nn.silu(nn.groupNorm(h, `${name}.norm2`, outC, 1e-5)), `${name}.conv2`, outC, outC, 3);
  const shortcut = inC === outC ? x : nn.conv(x, `${name}.conv_shortcut`, inC, outC, 1);
  return nn.add(shortcut, h);
}

/** Transformer2DModel with one BasicTransformerBlock: self-attention, cross-attention, GEGLU feed-forward. */
function transformer(nn: Net, x: string, context: string, name: string, channels: number, contextWidth: number): string {
  const g = nn.g;
  const projected = nn.conv(nn.groupNorm(x, `${name}.norm`, channels, 1e-6), `${name}.proj_in`, channels, channels, 1);
  let tokens = nn.toTokens(projected, channels);
  const block = `${name}.transformer_blocks.0`;
  const normed1 = nn.layerNorm(tokens, `${block}.norm1`, channels);
  tokens = nn.add(tokens, nn.attention(normed1, normed1, `${block}.attn1`, { query: channels, context: channels, heads: HEADS, qkvBias: false }));
  const normed2 = nn.layerNorm(tokens, `${block}.norm2`, channels);
  tokens = nn.add(tokens, nn.attention(normed2, context, `${block}.attn2`, { query: channels, context: contextWidth, heads: HEADS, qkvBias: false }));
  const normed3 = nn.layerNorm(tokens, `${block}.norm3`, channels);
  const inner = 4 * channels;
  const both = nn.linear(normed3, `${block}.ff.net.0.proj`, channels, 2 * inner);
  const [hidden, gate] = g.node('Split', [both, g.constInt64([inner, inner])], { axis: attr.int(-1) }, ['', '']);
  tokens = nn.add(tokens, nn.linear(g.op('Mul', [hidden, nn.gelu(gate)]), `${block}.ff.net.2`, inner, channels));
  const out = nn.conv(nn.fromTokens(tokens, projected), `${name}.proj_out`, channels, channels, 1);
  return nn.add(x, out);
}
