// The New experiment form: start from a preset, edit the fields that matter (the rest of the
// preset's spec is kept), with the method's params as a form generated from its JSON Schema.
// Each edit is checked inline (field bounds, then ExperimentSpecSchema), and a valid spec is sent
// to estimateCost so params, FLOPs and the Scratch-B epochs show before anything starts.
import { ExperimentSpecSchema } from '../../../src-shared/experiment-spec.ts';
import type { CostEstimate, ImportedModelInfo, OptionsInfo, PresetInfo } from '../../../src-shared/workbench-api.ts';
import { toBase64 } from '../lib/base64.ts';
import type { Client } from '../lib/client.ts';
import { debounce } from '../lib/debounce.ts';
import { errorMessage } from '../lib/format.ts';
import { fieldOfMessage, fieldsFromSchema, getPath, parseField, setPath, toText, type FormField } from '../lib/schema-form.ts';

const PARAMS = 'method.params';
/** Every regime the form offers; the paper's three are checked at first. */
const REGIMES = ['finetune', 'scratch-e', 'scratch-b', 'lottery', 'reduced'] as const;
const DEFAULT_REGIMES = ['finetune', 'scratch-e', 'scratch-b'];
/**
 * What the baseline does with an imported model's weights: use them as the trained baseline (no
 * training; the baseline's epochs state how they were trained), train on from them, or ignore them
 * (the imported architecture from scratch).
 */
export const IMPORTED_WEIGHTS = ['as-trained', 'continue', 'scratch'] as const;
export type ImportedWeightsUse = (typeof IMPORTED_WEIGHTS)[number];

function field(path: string, label: string, kind: FormField['kind'], extra: Partial<FormField> = {}): FormField {
  return { path, label, kind, required: false, ...extra };
}

/** The fields every experiment has (paths into the ExperimentSpec). */
export const SPEC_FIELDS: FormField[] = [
  field('name', 'name', 'string', { required: true }),
  field('seeds', 'seeds', 'list', { required: true, integerItems: true, minimum: 0 }),
  field('scale', 'scale (fraction of epochs and data)', 'number', { exclusiveMinimum: 0, maximum: 1 }),
  field('pruningRounds', 'pruning rounds', 'integer', { minimum: 1, maximum: 20 }),
  field('learningRates', 'learning rates (a chain per rate; empty = the baseline\'s)', 'list', { exclusiveMinimum: 0, maximum: 10 }),
  field('baseline.epochs', 'epochs', 'integer', { minimum: 1 }),
  field('baseline.lr', 'learning rate', 'number', { exclusiveMinimum: 0 }),
  field('baseline.batchSize', 'batch size', 'integer', { minimum: 1 }),
  field('baseline.trainLimit', 'train examples (empty = all)', 'integer', { minimum: 1 }),
  field('baseline.testLimit', 'test examples (empty = all)', 'integer', { minimum: 1 }),
  field('finetune.epochs', 'epochs', 'integer', { minimum: 1 }),
  field('finetune.lr', 'learning rate', 'number', { exclusiveMinimum: 0 }),
  field('finetune.trainLimit', 'train examples (empty = all)', 'integer', { minimum: 1 }),
  field('finetune.testLimit', 'test examples (empty = all)', 'integer', { minimum: 1 }),
];

export class NewExperimentState {
  presets = $state<PresetInfo[]>([]);
  options = $state<OptionsInfo | null>(null);
  loading = $state(true);
  loadError = $state<string | null>(null);

  presetId = $state<string | null>(null);
  /** The spec being edited, as plain JSON: the preset's, with the form's values written in. */
  base = $state<Record<string, unknown>>({});
  dataset = $state('');
  /** An arch id; null when the preset carries a full ArchSpec (kept as is). */
  arch = $state<string | null>(null);
  /** A model imported through the form (importModel): its ArchSpec replaces the preset's arch. */
  imported = $state<ImportedModelInfo | null>(null);
  importedWeights = $state<ImportedWeightsUse>('as-trained');
  importing = $state(false);
  importError = $state<string | null>(null);
  methodId = $state('');
  regimes = $state<string[]>([...DEFAULT_REGIMES]);
  /** Train the runs on the workers of the workbench's queue (offered where it has one: options.queue). */
  onWorkers = $state(false);
  /** Text of each field, by path. */
  values = $state<Record<string, string>>({});
  /** Inline messages, by field path ('' = the form as a whole). */
  errors = $state<Record<string, string>>({});

  estimate = $state<CostEstimate | null>(null);
  estimating = $state(false);
  estimateError = $state<string | null>(null);
  starting = $state(false);
  startError = $state<string | null>(null);

  method = $derived(this.options?.methods.find((m) => m.id === this.methodId) ?? null);
  paramFields = $derived<FormField[]>(
    this.method ? fieldsFromSchema(this.method.paramsJsonSchema, PARAMS).map((f) => ({ ...f, label: f.path.slice(PARAMS.length + 1) })) : [],
  );
  /** Methods that can prune the chosen architecture's family. */
  methods = $derived.by(() => {
    const family = this.imported?.spec.family ?? this.options?.archs.find((a) => a.id === this.arch)?.family;
    return (this.options?.methods ?? []).filter((m) => family === undefined || m.families.includes(family));
  });
  valid = $derived(Object.keys(this.errors).length === 0);

  #client: Client;
  #estimateSoon = debounce(() => void this.#estimate(), 350);

  constructor(client: Client) {
    this.#client = client;
  }

  async load(presetId: string | null): Promise<void> {
    try {
      const [presets, options] = await Promise.all([this.#client.call('listPresets'), this.#client.call('describeOptions')]);
      this.presets = presets;
      this.options = options;
      const preset = presets.find((p) => p.id === presetId) ?? presets.find((p) => p.id === 'quickstart') ?? presets[0];
      if (preset === undefined) throw new Error('no presets were found: the workbench installation lacks resources/presets');
      this.choosePreset(preset.id);
    } catch (e) {
      this.loadError = errorMessage(e);
    } finally {
      this.loading = false;
    }
  }

  choosePreset(id: string): void {
    const preset = this.presets.find((p) => p.id === id);
    if (preset === undefined) return;
    this.presetId = id;
    this.imported = null;
    const spec = structuredClone($state.snapshot(preset.spec)) as unknown as Record<string, unknown>;
    this.base = spec;
    this.dataset = String(spec['dataset']);
    this.arch = typeof spec['arch'] === 'string' ? spec['arch'] : null;
    const method = spec['method'] as { id: string; params?: Record<string, unknown> };
    this.methodId = method.id;
    this.regimes = [...(spec['regimes'] as string[])];
    const values: Record<string, string> = {};
    for (const f of SPEC_FIELDS) values[f.path] = toText(f, getPath(spec, f.path));
    this.values = values;
    this.#fillParams(method.params ?? {});
    this.validate();
  }

  chooseMethod(id: string): void {
    this.methodId = id;
    this.#fillParams(this.method?.exampleParams ?? {});
    this.validate();
  }

  set(path: string, text: string): void {
    this.values[path] = text;
    this.validate();
  }

  setDataset(id: string): void {
    this.dataset = id;
    this.validate();
  }

  setArch(id: string): void {
    this.arch = id;
    this.imported = null;
    this.#keepMethodOffered();
  }

  /** Sends the chosen files (an .onnx, or a model.json and its weight files) to be imported; its spec becomes the arch. */
  async importModel(files: readonly File[]): Promise<void> {
    if (files.length === 0) return;
    this.importing = true;
    this.importError = null;
    try {
      const payload = await Promise.all(files.map(async (f) => ({ name: f.name, base64: toBase64(new Uint8Array(await f.arrayBuffer())) })));
      this.imported = await this.#client.call('importModel', { files: payload });
      this.arch = null;
      // The preset's method params were written for its own architecture: start from the method's example.
      const method = this.methods.some((m) => m.id === this.methodId) ? this.methodId : this.methods[0]?.id;
      if (method !== undefined) this.chooseMethod(method);
      else this.validate();
    } catch (e) {
      this.importError = errorMessage(e);
    } finally {
      this.importing = false;
    }
  }

  setImportedWeights(use: ImportedWeightsUse): void {
    this.importedWeights = use;
    this.validate();
  }

  /** Keeps the chosen method where the architecture allows it, else takes the first that does. */
  #keepMethodOffered(): void {
    if (!this.methods.some((m) => m.id === this.methodId) && this.methods[0]) this.chooseMethod(this.methods[0].id);
    else this.validate();
  }

  toggleRegime(regime: string, on: boolean): void {
    this.regimes = REGIMES.filter((r) => (r === regime ? on : this.regimes.includes(r)));
    this.validate();
  }

  #fillParams(params: Record<string, unknown>): void {
    for (const key of Object.keys(this.values)) if (key.startsWith(`${PARAMS}.`)) delete this.values[key];
    for (const f of this.paramFields) this.values[f.path] = toText(f, getPath({ method: { params } }, f.path));
  }

  /** The spec the form describes, and the inline messages for what is wrong with it. */
  build(): { spec: Record<string, unknown>; errors: Record<string, string> } {
    const errors: Record<string, string> = {};
    const spec = structuredClone($state.snapshot(this.base)) as Record<string, unknown>;
    spec['dataset'] = this.dataset;
    if (this.arch !== null) spec['arch'] = this.arch;
    if (this.imported !== null) {
      spec['arch'] = $state.snapshot(this.imported.spec);
      delete spec['baselineWeights'];
      delete spec['baselineTrained'];
      if (this.importedWeights !== 'scratch') spec['baselineWeights'] = this.imported.weightsFile;
      if (this.importedWeights === 'as-trained') spec['baselineTrained'] = true;
    }
    spec['method'] = { id: this.methodId, params: {} };
    spec['regimes'] = [...this.regimes];
    for (const f of [...SPEC_FIELDS, ...this.paramFields]) {
      const parsed = parseField(f, this.values[f.path] ?? '');
      if (parsed.ok) setPath(spec, f.path, parsed.value);
      else errors[f.path] = parsed.message;
    }
    if (Object.keys(errors).length === 0) {
      const result = ExperimentSpecSchema.safeParse(spec);
      if (!result.success) {
        for (const issue of result.error.issues) {
          const path = issue.path.join('.');
          const key = path in this.values || path === 'regimes' ? path : '';
          errors[key] ??= key === path ? issue.message : `${path || 'spec'}: ${issue.message}`;
        }
      }
    }
    return { spec, errors };
  }

  /** Checks the form (sets `errors`) and, when it is valid, asks for a cost estimate shortly. */
  validate(): void {
    const { errors } = this.build();
    this.errors = errors;
    this.estimate = null;
    this.estimateError = null;
    if (Object.keys(errors).length > 0) this.#estimateSoon.cancel();
    else this.#estimateSoon();
  }

  #estimateRequest = 0;

  async #estimate(): Promise<void> {
    const { spec, errors } = this.build();
    if (Object.keys(errors).length > 0) return;
    const request = ++this.#estimateRequest;
    this.estimating = true;
    try {
      const estimate = await this.#client.call('estimateCost', { spec: spec as never });
      if (request === this.#estimateRequest) this.estimate = estimate;
    } catch (e) {
      if (request === this.#estimateRequest) this.#serverError(e, 'estimate');
    } finally {
      if (request === this.#estimateRequest) this.estimating = false;
    }
  }

  /** A server ValidationError names a field: show it there; anything else beside the button. */
  #serverError(e: unknown, where: 'estimate' | 'start'): void {
    const message = errorMessage(e);
    const path = fieldOfMessage(message);
    const known = path !== null && (path in this.values || path === 'regimes');
    if (known) this.errors = { ...this.errors, [path]: message.replace(/^.*?field '[^']+': /, '') };
    if (where === 'estimate') this.estimateError = known ? null : message;
    else this.startError = message;
  }

  /** Starts the experiment; resolves to its id, or null when the form or the server refused it. */
  async start(): Promise<number | null> {
    const { spec, errors } = this.build();
    this.errors = errors;
    if (Object.keys(errors).length > 0) return null;
    this.starting = true;
    try {
      const onWorkers = this.onWorkers && this.options?.queue != null;
      const { id } = await this.#client.call('startExperiment', { spec: spec as never, ...(onWorkers ? { onWorkers } : {}) });
      this.startError = null;
      return id;
    } catch (e) {
      this.#serverError(e, 'start');
      return null;
    } finally {
      this.starting = false;
    }
  }

  stop(): void {
    this.#estimateSoon.cancel();
  }
}
