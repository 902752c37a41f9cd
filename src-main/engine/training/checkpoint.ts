// Checkpoint files: everything needed to continue a run exactly where it stopped — the spec, the
// config, the number of finished epochs, the data-order RNG position, weights (BN running statistics
// included), the SGD momentum buffers, the best accuracy so far and the per-epoch history.
//
// Layout: "PWBCKPT2" | u32 LE header length | header JSON (UTF-8) | float32 LE tensor data | SHA-256 of
// all that came before (32 bytes). Files of the first format ("PWBCKPT1", no digest, no owner) still
// read. Written atomically: a temp file in the same folder is fsync'ed, then renamed over the target, so
// a crash leaves either the old or the new checkpoint, never a torn one. A file that reads back damaged
// (digest mismatch, truncation) is refused with a DataError naming it; requireFinite refuses NaN/±Inf.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, basename } from 'node:path';
import { z } from 'zod';
import { ArchSpecSchema } from '../../../src-shared/arch-spec.ts';
import { DataError } from '../../../src-shared/errors.ts';
import { TrainConfigSchema } from '../../../src-shared/train-config.ts';

const MAGIC = 'PWBCKPT2';
const MAGIC_V1 = 'PWBCKPT1';
const DIGEST_BYTES = 32;

/** What one epoch of training measured, as a checkpoint's history keeps it (the store's row of it is EpochMetric). */
export const EpochResultSchema = z.object({
  /** 1-based epoch number. */
  epoch: z.number().int().min(1),
  trainLoss: z.number(),
  trainAcc: z.number(),
  testLoss: z.number(),
  testAcc: z.number(),
  /** Top-5 accuracy on the test split, where the dataset reports it (the ImageNet protocol). */
  testTop5: z.number().optional(),
  lr: z.number(),
  imagesPerSec: z.number(),
  wallS: z.number(),
  /** On the held-out part of the training split (TrainConfig.valSplit); absent without one. */
  valLoss: z.number().nullable().optional(),
  valAcc: z.number().nullable().optional(),
});
export type EpochResult = z.infer<typeof EpochResultSchema>;

const TensorEntrySchema = z.object({
  name: z.string(),
  group: z.enum(['param', 'momentum']),
  length: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
});

const HeaderSchema = z.object({
  format: z.union([z.literal(1), z.literal(2)]),
  /** The run that wrote it (format 2): resume refuses a checkpoint of another run. */
  owner: z.object({ runId: z.number().int(), createdAt: z.string() }).nullable().optional(),
  spec: ArchSpecSchema,
  config: TrainConfigSchema,
  /** Epochs finished; training resumes at this 0-based epoch. */
  epochsDone: z.number().int().nonnegative(),
  /** Data order and augmentation are pure functions of (seed, epoch): this is the whole RNG state. */
  rng: z.object({ seed: z.number().int(), nextEpoch: z.number().int() }),
  /** The best epoch so far: by held-out accuracy where the config holds some out (valAcc), else by test accuracy. */
  best: z.object({ testAcc: z.number(), epoch: z.number().int(), valAcc: z.number().optional() }).nullable(),
  history: z.array(EpochResultSchema),
  /**
   * Where the file is a pruning method's planning state, not a run's (Fisher pruning fine-tunes while it
   * prunes): what the method needs beyond weights and momentum to continue, in its own terms.
   */
  planning: z.record(z.string(), z.unknown()).optional(),
  tensors: z.array(TensorEntrySchema),
});

export type CheckpointHeader = Omit<z.infer<typeof HeaderSchema>, 'tensors' | 'format'>;
export type CheckpointOwner = NonNullable<CheckpointHeader['owner']>;

export interface Checkpoint extends CheckpointHeader {
  weights: Map<string, Float32Array>;
  momentum: Map<string, Float32Array>;
}

export function writeCheckpoint(path: string, ckpt: Checkpoint): void {
  const tensors: z.infer<typeof TensorEntrySchema>[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [group, map] of [['param', ckpt.weights], ['momentum', ckpt.momentum]] as const) {
    for (const [name, values] of map) {
      tensors.push({ name, group, length: values.length, offset });
      chunks.push(values);
      offset += values.length;
    }
  }
  const { weights: _w, momentum: _m, ...rest } = ckpt;
  const header = Buffer.from(JSON.stringify({ format: 2, ...rest, owner: rest.owner ?? null, tensors }), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.length, MAGIC.length);

  try {
    writeAtomically(path, prefix, header, chunks);
  } catch (e) {
    // writeSync's errors (ENOSPC…) carry no path: name the checkpoint, so the message can.
    const err = e as NodeJS.ErrnoException;
    if (err && typeof err === 'object' && typeof err.code === 'string' && err.path === undefined) err.path = path;
    throw e;
  }
}

function writeAtomically(path: string, prefix: Buffer, header: Buffer, chunks: Float32Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${dirname(path)}/.${basename(path)}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const digest = createHash('sha256');
  const write = (bytes: Uint8Array): void => {
    digest.update(bytes);
    writeSync(fd, bytes);
  };
  try {
    write(prefix);
    write(header);
    for (const c of chunks) write(littleEndianBytes(c));
    writeSync(fd, digest.digest());
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  const dirFd = openSync(dirname(path), 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/** What a damaged checkpoint's message ends with: what the user can do. */
const UNUSABLE = 'it cannot be used: resume from another copy or retrain the run';

export function readCheckpoint(path: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DataError(`${path}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  const magic = buf.length >= MAGIC.length + 4 ? buf.toString('latin1', 0, MAGIC.length) : '';
  if (magic !== MAGIC && magic !== MAGIC_V1) {
    throw new DataError(`${path}: not a Pruning Workbench checkpoint (bad magic); ${UNUSABLE}`);
  }
  // Structure first (so a cut file says where it was cut), then the digest over everything.
  const headerLength = buf.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > buf.length) throw new DataError(`${path}: checkpoint truncated in its header; ${UNUSABLE}`);
  const end = magic === MAGIC ? Math.max(dataStart, buf.length - DIGEST_BYTES) : buf.length;
  let parsed: z.infer<typeof HeaderSchema>;
  try {
    parsed = HeaderSchema.parse(JSON.parse(buf.toString('utf8', MAGIC.length + 4, dataStart)));
  } catch (e) {
    throw new DataError(`${path}: checkpoint header is invalid (${(e as Error).message.split('\n')[0]}); ${UNUSABLE}`);
  }
  for (const t of parsed.tensors) {
    if (dataStart + (t.offset + t.length) * 4 > end) throw new DataError(`${path}: checkpoint truncated (tensor '${t.name}'); ${UNUSABLE}`);
  }
  if (magic === MAGIC && (buf.length - end !== DIGEST_BYTES || !createHash('sha256').update(buf.subarray(0, end)).digest().equals(buf.subarray(end)))) {
    throw new DataError(`${path}: checkpoint is damaged (its SHA-256 does not match its contents); ${UNUSABLE}`);
  }
  const { tensors, format: _f, ...header } = parsed;
  const weights = new Map<string, Float32Array>();
  const momentum = new Map<string, Float32Array>();
  for (const t of tensors) {
    const start = dataStart + t.offset * 4;
    (t.group === 'param' ? weights : momentum).set(t.name, fromLittleEndian(buf.subarray(start, start + t.length * 4)));
  }
  return { ...header, weights, momentum };
}

/**
 * After a crash between writing last.ckpt and best.ckpt of an improving epoch, best.ckpt still holds the
 * previous best. When `last` records its own final epoch as the best, best.ckpt must be that state:
 * rewrites it from `last` if it is not (missing, damaged or older). Returns whether it rewrote it.
 */
export function repairBestCheckpoint(bestPath: string, last: Checkpoint): boolean {
  if (!last.best || last.best.epoch !== last.epochsDone) return false;
  try {
    if (readCheckpoint(bestPath).epochsDone === last.epochsDone) return false;
  } catch {
    // missing or damaged: rewritten below
  }
  writeCheckpoint(bestPath, last);
  return true;
}

/**
 * Refuses a checkpoint holding NaN or ±Infinity (the file stores any float bit-exactly; training from or
 * pruning such weights would only carry the divergence on).
 */
export function requireFinite(path: string, ckpt: Checkpoint): void {
  for (const [group, map] of [['weight', ckpt.weights], ['momentum', ckpt.momentum]] as const) {
    for (const [name, values] of map) {
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new DataError(`${path}: checkpoint holds a non-finite value (${values[bad]}) in ${group} '${name}' [${bad}]; ${UNUSABLE}`);
      }
    }
  }
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndianBytes(values: Float32Array): Uint8Array {
  if (littleEndianHost) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.alloc(values.byteLength);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function fromLittleEndian(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.byteLength / 4);
  if (littleEndianHost) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}
