/**
 * SD 1.5's AutoencoderKL (block_out_channels 128/256/512/512, layers_per_block 2, GroupNorm 32, one
 * single-head attention in each mid block), as optimum exports it: vae_encoder (sample → latent_sample,
 * the posterior's mean) and vae_decoder (latent_sample → sample). `base` scales every width (128 real).
 */
import { GraphBuilder } from '../../../server/src/onnx/graph-builder';
import { ModelProto } from '../../../server/src/onnx/proto-writer';
import { Net } from './net';

function resnet(nn: Net, x: string, name: string, inC: number, outC: number): string {
  let h = nn.conv(nn.silu(nn.groupNorm(x, `${name}.norm1`, inC, 1e-6)), `${name}.conv1`, inC, outC, 3);
  h = nn.conv(nn.silu(nn.groupNorm(h, `${name}.norm2`, outC, 1e-6)), `${name}.conv2`, outC, outC, 3);
  return nn.add(inC === outC ? x : nn.conv(x, `${name}.conv_shortcut`, inC, outC, 1), h);
}

function midBlock(nn: Net, x: string, name: string, channels: number): string {
  let h = resnet(nn, x, `${name}.resnets.0`, channels, channels);
  const tokens = nn.toTokens(nn.groupNorm(h, `${name}.attentions.0.group_norm`, channels, 1e-6), channels);
  const attended = nn.attention(tokens, tokens, `${name}.attentions.0`, { query: channels, context: channels, heads: 1, qkvBias: true });
  h = nn.add(h, nn.fromTokens(attended, h));
  return resnet(nn, h, `${name}.resnets.1`, channels, channels);
}

export function buildSdVaeEncoder(g: GraphBuilder, nn: Net, base: number): ModelProto {
  const channels = [base, 2 * base, 4 * base, 4 * base];
  const sample = g.input('sample', nn.float, ['batch', 3, 'height', 'width']);
  let h = nn.conv(sample, 'encoder.conv_in', 3, base, 3);
  let c = base;
  for (let b = 0; b < 4; b++) {
    for (let l = 0; l < 2; l++) {
      h = resnet(nn, h, `encoder.down_blocks.${b}.resnets.${l}`, c, channels[b]);
      c = channels[b];
    }
    // diffusers' Downsample2D pads (0, 1, 0, 1) then convolves with stride 2.
    if (b < 3) h = nn.conv(h, `encoder.down_blocks.${b}.downsamplers.0.conv`, c, c, 3, 2, [0, 0, 1, 1]);
  }
  h = midBlock(nn, h, 'encoder.mid_block', c);
  h = nn.conv(nn.silu(nn.groupNorm(h, 'encoder.conv_norm_out', c, 1e-6)), 'encoder.conv_out', c, 8, 3);
  const moments = nn.conv(h, 'quant_conv', 8, 8, 1);
  const mean = g.op('Slice', [moments, g.constInt64([0]), g.constInt64([4]), g.constInt64([1])]);
  g.output(mean, 'latent_sample', nn.float, ['batch', 4, 'height_latent', 'width_latent']);
  return g.toModel('insaneres-full-size-model');
}

export function buildSdVaeDecoder(g: GraphBuilder, nn: Net, base: number): ModelProto {
  const channels = [4 * base, 4 * base, 2 * base, base];
  const latent = g.input('latent_sample', nn.float, ['batch', 4, 'height_latent', 'width_latent']);
  let h = nn.conv(nn.conv(latent, 'post_quant_conv', 4, 4, 1), 'decoder.conv_in', 4, channels[0], 3);
  let c = channels[0];
  h = midBlock(nn, h, 'decoder.mid_block', c);
  for (let b = 0; b < 4; b++) {
    for (let l = 0; l < 3; l++) {
      h = resnet(nn, h, `decoder.up_blocks.${b}.resnets.${l}`, c, channels[b]);
      c = channels[b];
    }
    if (b < 3) h = nn.conv(nn.upsample2x(h), `decoder.up_blocks.${b}.upsamplers.0.conv`, c, c, 3);
  }
  h = nn.conv(nn.silu(nn.groupNorm(h, 'decoder.conv_norm_out', c, 1e-6)), 'decoder.conv_out', c, 3, 3);
  // Random weights give values far outside [-1, 1]; a tanh keeps the picture in range at no real cost.
  g.output(g.op('Tanh', [h]), 'sample', nn.float, ['batch', 3, 'height', 'width']);
  return g.toModel('insaneres-full-size-model');
}

