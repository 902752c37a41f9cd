// The names a user can pick a backend by. Kept apart from select-backend.ts so parsing a command line
// does not load TensorFlow.js.
import { ValidationError } from '../../../src-shared/errors.ts';

export const backendChoices = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof backendChoices)[number];

export function parseBackendChoice(value: string): BackendChoice {
  if ((backendChoices as readonly string[]).includes(value)) return value as BackendChoice;
  throw new ValidationError(`--backend: unknown backend '${value}' (valid: ${backendChoices.join(', ')})`);
}
