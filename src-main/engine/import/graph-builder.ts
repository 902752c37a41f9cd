// What every importer (ONNX, TF.js Layers) does the same way while it turns a foreign model into a graph
// ArchSpec: unique node ids from foreign names, BN parameters with the epsilon folded into the variance,
// and the finished spec, its class count read off the output node's shape.
import { ValidationError } from '../../../src-shared/errors.ts';
import { nodeShapes, type GraphNode, type GraphSpec } from '../models/graph.ts';
import { BN_EPSILON } from '../models/tf-ops.ts';

export interface ImportedModel {
  spec: GraphSpec;
  weights: Map<string, Float32Array>;
  /** What the import changed or could not carry over, one line each (BN folded into convs, epsilons folded). */
  notes: string[];
}

export const INPUT = 'input';

export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly weights = new Map<string, Float32Array>();
  readonly notes: string[] = [];
  private readonly ids = new Set<string>([INPUT]);

  /** A node id from a foreign name ('/layer1/Relu_output_0' → 'layer1_Relu_output_0'), unique. */
  id(name: string): string {
    let base = name.replace(/^[/:]+/, '').replace(/[^A-Za-z0-9_.]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
    let id = base;
    for (let k = 1; this.ids.has(id); k++) id = `${base}_${k}`;
    this.ids.add(id);
    return id;
  }

  /**
   * A BN node's four parameters. Its epsilon, where it is not the workbench's, goes into the running
   * variance: (x − μ)/√(σ² + ε) = (x − μ)/√((σ² + ε − ε₀) + ε₀), exact in eval mode. Returns the note, or
   * the reason it cannot (a variance too small to take a smaller epsilon).
   */
  batchNorm(id: string, p: { gamma: ArrayLike<number>; beta: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; epsilon: number }): string | null {
    const variance = Float32Array.from(p.variance, (v) => v + p.epsilon - BN_EPSILON);
    if (Math.abs(p.epsilon - BN_EPSILON) > 1e-9) {
      if (variance.some((v) => v < 0)) return `has epsilon ${p.epsilon}, smaller than the workbench's ${BN_EPSILON}, and a variance too small to fold it into`;
      this.notes.push(`BN '${id}': epsilon ${p.epsilon} folded into its running variance (the workbench's BN uses ${BN_EPSILON})`);
    }
    this.weights.set(`${id}.gamma`, Float32Array.from(p.gamma));
    this.weights.set(`${id}.beta`, Float32Array.from(p.beta));
    this.weights.set(`${id}.running_mean`, Float32Array.from(p.mean));
    this.weights.set(`${id}.running_var`, variance);
    return null;
  }

  /**
   * The spec, its classes the output node's width, its id `name` as a variant id ('ResNet-18' → 'resnet_18').
   * `beforeFinish` gets every node's shape first (the ONNX importer reorders flattened dense rows there).
   */
  finish(
    file: string,
    name: string,
    input: [number, number, number],
    output: string,
    beforeFinish?: (shapes: Map<string, readonly number[]>) => void,
  ): ImportedModel {
    const draft: GraphSpec = { family: 'graph', input, classes: 2, nodes: this.nodes, output };
    const shapes = nodeShapes(draft);
    const out = shapes.get(output)!;
    if (out.length !== 1) throw new ValidationError(`${file}: the model's output '${output}' is a [${out}] map, not a vector of logits`);
    beforeFinish?.(shapes);
    const id = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
    const spec: GraphSpec = { family: 'graph', ...(id && /^[a-z]/.test(id) ? { id } : {}), input, classes: out[0]!, nodes: this.nodes, output };
    if (!this.nodes.some((n) => n.op === 'bn')) {
      this.notes.push('the model has no BatchNormalization (an eval-mode export folds BN into the convs): L1-norm and the other weight-based methods prune its convs; network slimming, which ranks BN scales, cannot');
    }
    return { spec, weights: this.weights, notes: this.notes };
  }
}
