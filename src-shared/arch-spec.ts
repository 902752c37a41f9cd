// ArchSpec: plain JSON that fully describes a network. A model is built from an ArchSpec,
// pruning produces one, and scratch training needs nothing else.
//
// This file holds what every spec has — its family, id, input shape and class count — and the field
// types family schemas share. Each family's own fields, and the strict schema that checks them, live in
// its family file (src-main/engine/models/<family>.ts: `ModelFamily.schema`), so a new family is one
// file plus one registry line. A spec read from a file, the store or the wire is parsed here as "a spec
// of some family" and checked against its family's schema where it is used (register-all.ts
// validateSpec / resolveArch), which names the field that is wrong.
import { z } from 'zod';

export const positiveInt = z.number().int().positive();
/** [height, width, channels] of one input image. */
export const InputShapeSchema = z.tuple([positiveInt, positiveInt, positiveInt]);

/** The fields every family's spec has; a family schema spreads them into its own strict object. */
export const archSpecFields = {
  /** Stable snake_case id of the variant this spec came from (e.g. `vgg16`, `resnet56_b`). */
  id: z.string().regex(/^[a-z0-9_]+$/).optional(),
  input: InputShapeSchema,
  classes: z.number().int().min(2),
};

/** Channel indices kept by a channel-selection layer (PreResNet / DenseNet), ascending. */
export const SelectionSchema = z.array(z.number().int().nonnegative());

/** Any family's spec: the common fields checked, the family's own fields kept for its schema. */
export const ArchSpecSchema = z.looseObject({
  family: z.string().regex(/^[a-z][a-z0-9_]*$/),
  ...archSpecFields,
});

export type ArchSpec = z.infer<typeof ArchSpecSchema>;
export type ArchFamily = ArchSpec['family'];
