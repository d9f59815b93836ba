// <run dir>/metrics.csv: every metric of a run in long format (one value a row), so a run that
// adds a metric halfway, or two runs with different metric sets, still share one header that
// pandas, R or a spreadsheet read as is. Rows are appended and written through at once, so the
// file is as current as the run and a crash loses nothing already logged.
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

import { LogFile } from './log_file.js';

export const METRICS_HEADER = 'scope,epoch,step,name,value';

export type MetricScope = 'step' | 'epoch';

export interface MetricRow {
  scope: MetricScope;
  /** null on step rows logged without an epoch. */
  epoch: number | null;
  step: number;
  name: string;
  value: number;
}

// RFC 4180: quote a field only when it needs it, doubling its quotes.
const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, b, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return b.subarray(0, done);
}

export class MetricsCsv {
  readonly file: string;
  private readonly log: LogFile;

  /** Opens dir/metrics.csv for appending: a resumed run carries on below the rows it has. */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'metrics.csv');
    const fd = openSync(this.file, 'a+');
    let size = fstatSync(fd).size;
    if (size > 0) size = dropPartialRow(fd, size);
    if (size === 0) {
      writeSync(fd, `${METRICS_HEADER}\n`);
    } else if (readAt(fd, 0, METRICS_HEADER.length + 1).toString('utf8') !== `${METRICS_HEADER}\n`) {
      closeSync(fd);
      throw new Error(`${this.file}: not a veil metrics file (its header is not "${METRICS_HEADER}")`);
    }
    this.log = new LogFile(this.file, fd);
  }

  /** One batch of rows, in one write. */
  write(scope: MetricScope, epoch: number | null, step: number, metrics: Record<string, number>): void {
    this.log.assertOpen();
    // the same rule as the events file's, so RunLog never writes a row it cannot also plot
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new Error(`metrics: step must be an integer >= 0, got ${step}`);
    }
    if (epoch !== null && !Number.isSafeInteger(epoch)) {
      throw new Error(`metrics: epoch must be an integer, got ${epoch}`);
    }
    const prefix = `${scope},${epoch ?? ''},${step},`;
    const rows = Object.entries(metrics).map(([name, value]) => {
      if (name === '') throw new Error('metrics: a metric needs a name');
      return `${prefix}${field(name)},${String(value)}\n`; // String() keeps every digit a double has
    });
    this.log.append(Buffer.from(rows.join(''), 'utf8'));
  }

  flush(): void {
    this.log.flush();
  }

  close(): void {
    this.log.close();
  }
}

// A run killed in the middle of a write can leave half a row; rows appended after it would
// be glued to it, so it goes (it was never complete, so nothing logged is lost).
function dropPartialRow(fd: number, size: number): number {
  if (readAt(fd, size - 1, 1)[0] === 0x0a) return size;
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - 65536);
    const nl = readAt(fd, start, end - start).lastIndexOf(0x0a);
    if (nl >= 0) {
      ftruncateSync(fd, start + nl + 1);
      return start + nl + 1;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return 0;
}

/** The fields of each line, honouring quotes (a quoted name may hold commas or newlines). */
function parseCsv(text: string): string[][] {
  const lines: string[][] = [];
  let row: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cur);
      cur = '';
    } else if (c === '\n') {
      row.push(cur);
      lines.push(row);
      row = [];
      cur = '';
    } else if (c !== '\r') cur += c;
  }
  if (cur !== '' || row.length > 0) lines.push([...row, cur]);
  return lines;
}

export function readMetricsCsv(file: string): MetricRow[] {
  const [header, ...lines] = parseCsv(readFileSync(file, 'utf8'));
  if (header?.join(',') !== METRICS_HEADER) {
    throw new Error(`${file}: not a veil metrics file (header "${METRICS_HEADER}" expected)`);
  }
  return lines.map((cells, i) => {
    const bad = (why: string): Error => new Error(`${file}: row ${i + 2}: ${why}`);
    if (cells.length !== 5) throw bad(`${cells.length} fields, 5 expected`);
    const [scope, epoch, step, name, value] = cells as [string, string, string, string, string];
    if (scope !== 'step' && scope !== 'epoch') throw bad(`scope "${scope}" is neither step nor epoch`);
    const int = (s: string, what: string): number => {
      const n = Number(s);
      if (s === '' || !Number.isSafeInteger(n)) throw bad(`${what} "${s}" is not an integer`);
      return n;
    };
    // Number('') is 0, so an empty value is refused rather than read as a zero.
    if (value.trim() === '' || (Number.isNaN(Number(value)) && value !== 'NaN')) {
      throw bad(`value "${value}" is not a number`);
    }
    return {
      scope,
      epoch: epoch === '' ? null : int(epoch, 'epoch'),
      step: int(step, 'step'),
      name,
      value: Number(value),
    };
  });
}
