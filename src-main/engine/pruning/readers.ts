// The layers that read a conv unit's channels directly — what ThiNet reconstructs when it prunes the
// unit: a channel's contribution to such a layer's output is linear in that channel's values (a conv
// through its k×k window, a dense layer through every flattened position of the channel), so removing
// channels changes the reader's output by the sum of their contributions.
// Read off the channel-label trace (channel-trace.ts): a reader is a conv or dense layer whose input
// carries the unit's labels (`layer:c`, `layer:c@position` after flatten). A unit is not reconstructable
// where its channels reach a layer some other way: summed into a residual stream (coupled units; their
// labels vanish into the sum), through a depthwise conv (whose output is not a sum over channels), or
// nowhere at all.
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { traceChannels } from './channel-trace.ts';
import type { ConvUnit } from './units.ts';

export interface ChannelReader {
  layer: string;
  kind: 'conv' | 'dense';
  /** Per channel of the unit, the reader's input indices (channels of a conv, flattened features of a dense) that hold it. */
  inputs: number[][];
}

/** For each unit, its readers, or why its channels cannot be reconstructed (one phrase). */
export function unitReaders(spec: ArchSpec, units: readonly ConvUnit[]): Map<string, ChannelReader[] | string> {
  const { layers } = traceChannels(spec);
  const out = new Map<string, ChannelReader[] | string>();
  for (const u of units) {
    if ((u.coupled ?? []).length > 0) {
      out.set(u.layer, 'its channels are summed with other layers\' (a residual group)');
      continue;
    }
    const readers: ChannelReader[] = [];
    let why: string | null = null;
    for (const [name, l] of layers) {
      if (l.kind === 'bn' || l.kind === 'scale') continue;
      const inputs: number[][] = Array.from({ length: u.width }, () => []);
      let reads = false;
      l.input.forEach((label, i) => {
        const c = channelOf(label, u.layer);
        if (c === null) return;
        reads = true;
        inputs[c]!.push(i);
      });
      if (!reads) continue;
      if (l.kind === 'depthwise') {
        why = `its channels pass through the depthwise conv '${name}'`;
        break;
      }
      readers.push({ layer: name, kind: l.kind, inputs });
    }
    out.set(u.layer, why ?? (readers.length > 0 ? readers : 'no conv or dense layer reads its channels directly'));
  }
  return out;
}

/** The unit channel a label names (`layer:c` or `layer:c@p`), or null for another layer's. */
export function channelOf(label: string, layer: string): number | null {
  if (!label.startsWith(`${layer}:`)) return null;
  const rest = label.slice(layer.length + 1);
  const at = rest.indexOf('@');
  const c = Number(at < 0 ? rest : rest.slice(0, at));
  return Number.isInteger(c) ? c : null;
}
