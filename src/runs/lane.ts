// A lane's process (lanes.ts forks it): takes tasks one at a time from the experiment's process,
// runs them with its own reader and datasets, and sends back their progress, notes, scores and
// result. It ends when the experiment disconnects.
import { DataError } from '../data/errors.js';
import { FrameReader } from '../data/loader/index.js';
import { laneContext, runTask, type TaskArgs, type TaskIO, type TaskName } from './lane_tasks.js';
import type { LaneMessage, TaskMessage } from './lanes.js';
import type { Bar } from './progress.js';

// One loader worker: the lanes already fill the cores with training, a second would only contend.
const reader = new FrameReader({ workers: 1 });
const ctx = laneContext(reader);
const send = (m: LaneMessage): void => {
  process.send?.(m);
};

process.on('message', (m: TaskMessage) => {
  if (m.type !== 'task') return;
  const { id } = m;
  let bars = 0;
  const io: TaskIO = {
    out: {
      log: (s) => send({ type: 'log', id, s }),
      bar(label, total): Bar {
        const bar = bars++;
        send({ type: 'bar', id, bar, label, total });
        return { tick: (what = '', n = 1) => send({ type: 'tick', id, bar, what, n }), finish: () => {} };
      },
    },
    record: (seed, s) => send({ type: 'record', id, seed, s }),
  };
  // The experiment sends each task its own arguments (Lanes.run is typed by task).
  runTask(ctx, m.name, m.args as TaskArgs<TaskName>, io).then(
    (result) => send({ type: 'done', id, result }),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      const file = err instanceof DataError ? err.file : undefined;
      send({
        type: 'error',
        id,
        name: err.name,
        message: err.message,
        stack: err.stack ?? err.message,
        file,
      });
    },
  );
});

process.on('disconnect', () => {
  ctx.close();
  void reader.close().finally(() => process.exit(0));
});
