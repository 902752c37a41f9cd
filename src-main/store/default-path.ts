// Where the workbench keeps its database unless told otherwise.
import path from 'node:path';
import envPaths from 'env-paths';

/**
 * `$PWB_DB` when set (resolved against the working directory), else `workbench.sqlite` in the
 * platform's data folder: `$XDG_DATA_HOME/pruning-workbench` (default `~/.local/share/…`) on Linux,
 * `~/Library/Application Support/pruning-workbench` on macOS, `%LOCALAPPDATA%\pruning-workbench\Data`
 * on Windows. Reads the environment at call time.
 */
export function defaultDatabasePath(): string {
  const override = process.env.PWB_DB;
  if (override !== undefined && override !== '') return path.resolve(override);
  return path.join(envPaths('pruning-workbench', { suffix: '' }).data, 'workbench.sqlite');
}
