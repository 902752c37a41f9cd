// The environment libtensorflow reads once, when @tensorflow/tfjs-node[-gpu] is first imported. Set here,
// before that import, unless the user set it:
//   TF_ENABLE_ONEDNN_OPTS=1   oneDNN kernels. TensorFlow 2.9 turns them on by default only on Linux CPUs
//                             with AVX512_VNNI/BF16/AVX_VNNI/AMX and never on Windows; off, training runs
//                             at 0.45–0.65× (Eigen only). macOS builds contain no oneDNN at all.
//   TF_NUM_INTRAOP_THREADS=N  the threads one op may use (`--threads`; default: every core). TensorFlow's
//                             own pool does the parallel work on this backend.
//   TF_CPP_MIN_LOG_LEVEL=2    no info lines or CUDA warnings on stderr: the backend reason says it instead.
import { availableParallelism } from 'node:os';

export interface NativeSettings {
  /** Intra-op threads TensorFlow was (or will be) started with. */
  threads: number;
  /** Whether TensorFlow runs its oneDNN kernels: false where the user turned them off or on macOS. */
  oneDnn: boolean;
  /** The variables that came from the user rather than from us. */
  userSet: string[];
}

let applied: NativeSettings | null = null;

/** Sets the variables (first call only: libtensorflow reads them once) and says what TensorFlow will use. */
export function applyNativeEnvironment(threads: number | undefined, env: NodeJS.ProcessEnv = process.env): NativeSettings {
  if (applied) return applied;
  const userSet: string[] = [];
  const setDefault = (name: string, value: string): void => {
    if (env[name] === undefined || env[name] === '') env[name] = value;
    else userSet.push(name);
  };
  setDefault('TF_ENABLE_ONEDNN_OPTS', '1');
  setDefault('TF_NUM_INTRAOP_THREADS', String(threads ?? availableParallelism()));
  setDefault('TF_CPP_MIN_LOG_LEVEL', '2');
  const parsed = Number(env.TF_NUM_INTRAOP_THREADS);
  applied = {
    threads: Number.isInteger(parsed) && parsed > 0 ? parsed : availableParallelism(),
    oneDnn: process.platform !== 'darwin' && !['0', 'false'].includes(env.TF_ENABLE_ONEDNN_OPTS!.toLowerCase()),
    userSet,
  };
  return applied;
}

/** What TensorFlow was started with, or null before the tensorflow backend was first selected. */
export function nativeSettings(): NativeSettings | null {
  return applied;
}
