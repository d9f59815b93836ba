// Errors about data on disk always name the file, so a broken dataset is fixed in one look.
export class DataError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    // A message that already names the file (one rebuilt after crossing threads) is kept as is.
    super(message.startsWith(`${file}: `) ? message : `${file}: ${message}`, options);
    this.name = 'DataError';
  }
}

/** An error about one line of a text file (split lists, CSV manifests). */
export function lineError(file: string, line: number, message: string): DataError {
  return new DataError(`${file}:${line}`, message);
}

/**
 * A mistake in how veil was called (a bad flag, an output that would overwrite its input, a run
 * that exists): the command line exits with code 2, as usage errors do, and nothing is written.
 */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
