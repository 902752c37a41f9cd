// A guided experiment whose width pattern is named rather than given (method.params.pattern =
// { fromPreset } or { fromExperiment }, engine/pruning/methods/guided.ts): the pattern is read from the
// database and put in its place before the spec is prepared, so the stored spec holds the widths it
// trained. A preset's pattern comes from its newest completed experiment at the same scale — so
// `pwb run slim-vgg19-70-cifar10 --scale 0.1` then `pwb run guided-vgg19-cifar10 --scale 0.1` chain —
// matched by the preset's name, which its experiments keep.
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import type { Db } from '../store/db.ts';
import { listExperiments } from '../store/experiments.ts';
import { experimentPattern } from './experiment-pattern.ts';
import { loadPreset } from './presets.ts';

type NamedSource = { fromPreset?: unknown; fromExperiment?: unknown };
type RawSpec = { method?: { id?: unknown; params?: Record<string, unknown> }; scale?: unknown };

/** The spec's pattern where it names its source instead of giving the widths; else null. */
function sourceOf(raw: unknown): NamedSource | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const pattern = (raw as RawSpec).method?.params?.pattern;
  if (typeof pattern !== 'object' || pattern === null || (!('fromPreset' in pattern) && !('fromExperiment' in pattern))) return null;
  return pattern as NamedSource;
}

/** Whether the spec's width pattern is to be read from the database (withPatternResolved). */
export function namesPatternSource(raw: unknown): boolean {
  return sourceOf(raw) !== null;
}

/** `raw` with its named pattern replaced by the pattern itself; any other spec unchanged. */
export function withPatternResolved(db: Db, raw: unknown, where: string): unknown {
  const pattern = sourceOf(raw);
  if (pattern === null) return raw;
  const spec = raw as RawSpec;
  const field = `${where}: field 'method.params.pattern'`;
  let id: number;
  if (typeof pattern.fromExperiment === 'number') {
    id = pattern.fromExperiment;
  } else if (typeof pattern.fromPreset === 'string') {
    const preset = pattern.fromPreset;
    let name: string;
    try {
      name = loadPreset(preset).name;
    } catch (e) {
      if (e instanceof NotFoundError) throw new ValidationError(`${field}: ${e.message}`);
      throw e;
    }
    const scale = typeof spec.scale === 'number' ? spec.scale : 1;
    const source = listExperiments(db, { status: 'completed', includeHidden: true })
      .find((e) => e.name === name && (typeof e.spec.scale === 'number' ? e.spec.scale : 1) === scale);
    if (!source) {
      throw new ValidationError(
        `${field}: no completed experiment of preset '${preset}' at scale ${scale} in this database; run \`pwb run ${preset}${scale === 1 ? '' : ` --scale ${scale}`}\` first (its pruning plans give the widths), or name one with {"fromExperiment": ID}`,
      );
    }
    id = source.id;
  } else {
    throw new ValidationError(`${field}: expected {"fromPreset": "<preset id>"} or {"fromExperiment": <id>}, got ${JSON.stringify(pattern)}`);
  }
  let resolved;
  try {
    resolved = experimentPattern(db, id);
  } catch (e) {
    if (e instanceof NotFoundError || e instanceof ValidationError) throw new ValidationError(`${field}: ${e.message}`);
    throw e;
  }
  return { ...spec, method: { ...spec.method, params: { ...spec.method!.params, pattern: { ...resolved, source: { ...resolved.source!, experiment: id } } } } };
}
