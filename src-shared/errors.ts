// Named errors that cross process and transport boundaries. Each carries a stable `code`
// so the CLI, IPC and HTTP adapters can serialise it on purpose; the message says what was
// wrong and, where it helps, what to do.

export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'DATA'
  | 'CANCELLED'
  | 'JOB_FAILED'
  | 'BACKEND'
  | 'STORAGE';

export class WorkbenchError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
  toJSON(): { code: ErrorCode; name: string; message: string } {
    return { code: this.code, name: this.name, message: this.message };
  }
}

/** Input that breaks a rule: an option, a config key, a spec field. */
export class ValidationError extends WorkbenchError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}

/** An id or path that names nothing. */
export class NotFoundError extends WorkbenchError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/** A data file that exists but cannot be read as what it claims to be. */
export class DataError extends WorkbenchError {
  constructor(message: string) {
    super('DATA', message);
  }
}

export class CancelledError extends WorkbenchError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
  }
}

export class JobFailedError extends WorkbenchError {
  constructor(message: string) {
    super('JOB_FAILED', message);
  }
}

/** A compute backend that was asked for and cannot run here. */
export class BackendError extends WorkbenchError {
  constructor(message: string) {
    super('BACKEND', message);
  }
}

/** The disk under a file the workbench writes is full, read-only or not ours to write. */
export class StorageError extends WorkbenchError {
  constructor(message: string) {
    super('STORAGE', message);
  }
}

export function isWorkbenchError(e: unknown): e is WorkbenchError {
  return e instanceof WorkbenchError;
}
