// Channel selection before a residual block's first conv: the regression method's ResNet treatment (He, Zhang,
// Sun, ICCV 2017, §4.2: the branch's first layer is pruned by its input, "channel sampling", because the stream
// it reads is summed with the shortcut and cannot lose channels), as RNP's ResNet-50-2x `channel_selection`.
// The stream stays whole — the shortcut reads all of it — and the block's conv1 reads only the kept channels:
// the ImageNet ResNet family's `inputSelect`, one list per block.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import type { ImageNetResNetSpec } from '../models/resnet-imagenet.ts';
import { traceChannels } from './channel-trace.ts';

export interface BlockInput {
  /** The block's position (0-based, over every stage). */
  block: number;
  /** Its first conv, the layer that reads the selection. */
  conv1: string;
  /** The width of the stream it reads. */
  full: number;
}

/** Each block's first conv and its stream's width, for a family with input selections (resnet_imagenet); null for any other. */
export function blockInputs(spec: ArchSpec): BlockInput[] | null {
  if (spec.family !== 'resnet_imagenet') return null;
  const { inputSelect: _, ...whole } = spec as ImageNetResNetSpec;
  const layers = traceChannels(whole).layers;
  const out: BlockInput[] = [];
  let k = 0;
  whole.blocks.forEach((count, s) => {
    for (let i = 0; i < count; i++, k++) {
      const conv1 = `layer${s + 1}.${i}.conv1`;
      const layer = layers.get(conv1);
      if (layer) out.push({ block: k, conv1, full: layer.input.length });
    }
  });
  return out;
}

/** `spec` with block `block`'s conv1 reading the `kept` channels of its stream; the other blocks as they were (all of it, at first). */
export function withInputSelected(spec: ArchSpec, inputs: readonly BlockInput[], block: number, kept: readonly number[]): ArchSpec {
  if (spec.family !== 'resnet_imagenet') throw new Error(`input selection: a ${spec.family} spec has no block inputs to select`);
  const resnet = spec as ImageNetResNetSpec;
  const total = resnet.blocks.reduce((a, b) => a + b, 0);
  const lists = resnet.inputSelect?.map((l) => [...l]) ?? Array.from({ length: total }, (_, k) => range(inputs.find((b) => b.block === k)?.full ?? 0));
  lists[block] = [...kept];
  return { ...resnet, inputSelect: lists };
}

/** `spec` with each block's conv1 reading the first `widths[k]` channels (a target's architecture, before any are chosen). */
export function withInputWidths(spec: ArchSpec, inputs: readonly BlockInput[], widths: readonly number[]): ArchSpec {
  return inputs.reduce((s, b) => withInputSelected(s, inputs, b.block, range(widths[b.block]!)), spec);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
