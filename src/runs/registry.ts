// The run registry: one SQLite file per workspace (runs.sqlite) holding every run, its config,
// its per-epoch metrics and its evaluation results, so `veil runs` can list and compare them.
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type BetterSqlite3 from 'better-sqlite3';

// better-sqlite3 is CommonJS; version 12 (13 crashes on Node 20).
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export interface RunRow {
  id: number;
  kind: string;
  name: string;
  status: string;
  created: string;
  config: unknown;
}

export interface ResultRow {
  run: number;
  method: string;
  seed: number;
  metric: string;
  value: number;
}

export class Registry {
  private readonly db: BetterSqlite3.Database;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
        created TEXT NOT NULL, config TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS epochs (
        run INTEGER NOT NULL REFERENCES runs(id), epoch INTEGER NOT NULL, metric TEXT NOT NULL,
        value REAL, PRIMARY KEY (run, epoch, metric));
      CREATE TABLE IF NOT EXISTS results (
        run INTEGER NOT NULL REFERENCES runs(id), method TEXT NOT NULL, seed INTEGER NOT NULL,
        metric TEXT NOT NULL, value REAL, PRIMARY KEY (run, method, seed, metric));`);
  }

  static forWorkspace(workspace: string): Registry {
    return new Registry(join(workspace, 'runs.sqlite'));
  }

  startRun(kind: string, name: string, config: unknown): number {
    const r = this.db
      .prepare('INSERT INTO runs (kind, name, status, created, config) VALUES (?, ?, ?, ?, ?)')
      .run(kind, name, 'running', new Date().toISOString(), JSON.stringify(config));
    return Number(r.lastInsertRowid);
  }

  finishRun(id: number, status: 'done' | 'failed'): void {
    this.db.prepare('UPDATE runs SET status = ? WHERE id = ?').run(status, id);
  }

  logEpoch(run: number, epoch: number, metrics: Record<string, number>): void {
    const ins = this.db.prepare(
      'INSERT OR REPLACE INTO epochs (run, epoch, metric, value) VALUES (?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(metrics)) ins.run(run, epoch, k, v);
    })();
  }

  logResult(run: number, method: string, seed: number, metrics: Record<string, number>): void {
    const ins = this.db.prepare(
      'INSERT OR REPLACE INTO results (run, method, seed, metric, value) VALUES (?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(metrics)) ins.run(run, method, seed, k, v);
    })();
  }

  runs(): RunRow[] {
    const rows = this.db.prepare('SELECT * FROM runs ORDER BY id').all() as (Omit<RunRow, 'config'> & {
      config: string;
    })[];
    return rows.map((r) => ({ ...r, config: JSON.parse(r.config) as unknown }));
  }

  run(id: number): RunRow {
    const r = this.runs().find((x) => x.id === id);
    if (!r) throw new Error(`${this.file}: no run ${id}`);
    return r;
  }

  epochs(run: number): { epoch: number; metric: string; value: number }[] {
    return this.db
      .prepare('SELECT epoch, metric, value FROM epochs WHERE run = ? ORDER BY epoch, metric')
      .all(run) as { epoch: number; metric: string; value: number }[];
  }

  results(run?: number): ResultRow[] {
    const sql =
      'SELECT * FROM results' + (run === undefined ? '' : ' WHERE run = ?') + ' ORDER BY run, method, seed';
    const st = this.db.prepare(sql);
    return (run === undefined ? st.all() : st.all(run)) as ResultRow[];
  }

  close(): void {
    this.db.close();
  }
}
