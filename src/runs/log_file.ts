// A file a run appends to as it goes (metrics.csv, TensorBoard events): every append is one
// synchronous write to the descriptor, so a crash cuts at most the record being written; flush()
// makes what was written survive a power cut too.
import { closeSync, fsyncSync, writeSync } from 'node:fs';

export class LogFile {
  private fd: number | null;

  constructor(
    readonly file: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** The open descriptor; an error naming the file once it is closed. */
  assertOpen(): number {
    if (this.fd === null) throw new Error(`${this.file} is closed`);
    return this.fd;
  }

  append(bytes: Uint8Array): void {
    const fd = this.assertOpen();
    for (let done = 0; done < bytes.byteLength;) done += writeSync(fd, bytes, done);
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
