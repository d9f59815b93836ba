// The run registry: one SQLite file per workspace (runs.sqlite) holding every run, its config,
// its per-epoch metrics and its evaluation results, so `veil runs` can list and compare them.
// Reading commands open it read-only; every SQLite error names the file. A run records the process
// that made it, so a run whose process is gone (killed, crashed) reads as 'interrupted', not
// 'running' forever.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';

import type BetterSqlite3 from 'better-sqlite3';

import { processAlive } from '../torch/index.js';
import type { EpochRow, ResultRow, RunRow } from './registry_rows.js';

export type { EpochRow, ResultRow, RunRow };

// better-sqlite3 is CommonJS; version 12 (13 crashes on Node 20).
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export interface OpenOptions {
  /** For commands that only read: the file must exist and is never written (SQLite may still add its -shm and -wal beside it). */
  readOnly?: boolean;
}

export class Registry {
  private readonly db: BetterSqlite3.Database;

  constructor(
    readonly file: string,
    o: OpenOptions = {},
  ) {
    if (o.readOnly && !existsSync(file))
      throw new Error(`${file}: no run registry here (no runs recorded in this workspace)`);
    this.db = this.guard(() => {
      if (!o.readOnly) mkdirSync(dirname(file), { recursive: true });
      const db = new Database(file, { readonly: !!o.readOnly, fileMustExist: !!o.readOnly });
      if (o.readOnly) {
        db.prepare('SELECT count(*) FROM sqlite_master').get(); // "file is not a database" shows here
        return db;
      }
      db.pragma('journal_mode = WAL');
      db.exec(`
        CREATE TABLE IF NOT EXISTS runs (
          id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
          created TEXT NOT NULL, config TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS epochs (
          run INTEGER NOT NULL REFERENCES runs(id), epoch INTEGER NOT NULL, metric TEXT NOT NULL,
          value REAL, PRIMARY KEY (run, epoch, metric));
        CREATE TABLE IF NOT EXISTS results (
          run INTEGER NOT NULL REFERENCES runs(id), method TEXT NOT NULL, seed INTEGER NOT NULL,
          metric TEXT NOT NULL, value REAL, PRIMARY KEY (run, method, seed, metric));`);
      // Registries from before runs recorded their process: add the columns.
      const cols = (db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
      if (!cols.includes('pid')) db.exec('ALTER TABLE runs ADD COLUMN pid INTEGER');
      if (!cols.includes('host')) db.exec('ALTER TABLE runs ADD COLUMN host TEXT');
      if (!cols.includes('dir')) db.exec('ALTER TABLE runs ADD COLUMN dir TEXT');
      return db;
    });
  }

  /** SQLite's errors ("file is not a database", "attempt to write a readonly database") name the file. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      const m = (e as Error).message;
      throw new Error(m.startsWith(this.file) ? m : `${this.file}: ${m}`, { cause: e });
    }
  }

  static forWorkspace(workspace: string, o: OpenOptions = {}): Registry {
    return new Registry(join(workspace, 'runs.sqlite'), o);
  }

  /** `dir`: the run's folder (metrics.csv, event files), stored relative to the registry's folder so a moved workspace keeps it. */
  startRun(kind: string, name: string, config: unknown, dir?: string): number {
    const rel = dir === undefined ? null : relative(dirname(this.file), resolve(dir)) || '.';
    const r = this.guard(() =>
      this.db
        .prepare(
          'INSERT INTO runs (kind, name, status, created, config, pid, host, dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          kind,
          name,
          'running',
          new Date().toISOString(),
          JSON.stringify(config),
          process.pid,
          hostname(),
          rel,
        ),
    );
    return Number(r.lastInsertRowid);
  }

  finishRun(id: number, status: 'done' | 'failed' | 'interrupted'): void {
    this.guard(() => this.db.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, id));
  }

  logEpoch(run: number, epoch: number, metrics: Record<string, number>): void {
    this.guard(() => {
      const ins = this.db.prepare(
        'INSERT OR REPLACE INTO epochs (run, epoch, metric, value) VALUES (?, ?, ?, ?)',
      );
      this.db.transaction(() => {
        for (const [k, v] of Object.entries(metrics)) ins.run(run, epoch, k, v);
      })();
    });
  }

  logResult(run: number, method: string, seed: number, metrics: Record<string, number>): void {
    this.guard(() => {
      const ins = this.db.prepare(
        'INSERT OR REPLACE INTO results (run, method, seed, metric, value) VALUES (?, ?, ?, ?, ?)',
      );
      this.db.transaction(() => {
        for (const [k, v] of Object.entries(metrics)) ins.run(run, method, seed, k, v);
      })();
    });
  }

  runs(): RunRow[] {
    type Row = Omit<RunRow, 'config' | 'dir'> & {
      config: string;
      pid?: number | null;
      host?: string | null;
      dir?: string | null;
    };
    const rows = this.guard(() => this.db.prepare('SELECT * FROM runs ORDER BY id').all() as Row[]);
    const here = hostname();
    return rows.map(({ pid, host, dir, ...r }) => ({
      ...r,
      dir: dir ?? null,
      // A run of this machine whose process is gone was killed: it will never finish.
      status: r.status === 'running' && pid && host === here && !processAlive(pid) ? 'interrupted' : r.status,
      config: JSON.parse(r.config) as unknown,
    }));
  }

  run(id: number): RunRow {
    const r = this.runs().find((x) => x.id === id);
    if (!r) throw new Error(`${this.file}: no run ${id}`);
    return r;
  }

  epochs(run: number): EpochRow[] {
    return this.guard(
      () =>
        this.db
          .prepare('SELECT epoch, metric, value FROM epochs WHERE run = ? ORDER BY epoch, metric')
          .all(run) as EpochRow[],
    );
  }

  results(run?: number): ResultRow[] {
    const sql =
      'SELECT * FROM results' + (run === undefined ? '' : ' WHERE run = ?') + ' ORDER BY run, method, seed';
    return this.guard(() => {
      const st = this.db.prepare(sql);
      return (run === undefined ? st.all() : st.all(run)) as ResultRow[];
    });
  }

  close(): void {
    this.db.close();
  }
}
