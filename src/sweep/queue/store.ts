// SPDX-License-Identifier: MIT
// A queued run's state in Redis: one hash per job holding its run folder's files, so a run
// whose worker dies resumes on another worker from its last checkpoint. After every epoch the
// worker sends the checkpoint (whole) and the lines its .jsonl files gained; a Lua script
// applies them only if they are newer (by global step) than what is stored, so a resent or
// late write (a reconnect, a second worker on a job whose lock lapsed) never goes backwards
// nor appends twice. At the end the worker stores the final files, and the coordinator takes
// them into DIR/runs/<id> and deletes the hash. A run that starts from another run's weights
// (`init`) finds that run's checkpoint under a key of its own, sent by the coordinator; a GAN
// run scored by another run's classifier (`judge`) finds that run's files the same way.

import type { Redis } from 'ioredis';
import { KEY_PREFIX } from './connection.js';
import type { Snapshot } from '../thread-protocol.js';

const STEP = 'step';
const EPOCH = 'epoch';
const RESULT = 'result';

// KEYS[1] hash; ARGV: step, epoch, nSets, (field, value) x nSets, (field, appended text) ...
const SAVE = `
local cur = tonumber(redis.call('HGET', KEYS[1], '${STEP}') or '-1')
if cur >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], '${STEP}', ARGV[1], '${EPOCH}', ARGV[2])
local nsets = tonumber(ARGV[3])
local i = 4
for _ = 1, nsets do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
while i <= #ARGV do
  local old = redis.call('HGET', KEYS[1], ARGV[i]) or ''
  redis.call('HSET', KEYS[1], ARGV[i], old .. ARGV[i + 1])
  i = i + 2
end
return 1
`;

export interface StoredRun {
  readonly step: number;
  readonly epoch: number;
  /** Run folder files by name (checkpoint.json, metrics.jsonl, config.json, ...). */
  readonly files: Readonly<Record<string, string>>;
  /** Set once the run ended: the job's result, as JSON (see worker.ts JobResult). */
  readonly result: string | null;
}

type WithSave = Redis & {
  lowbitSaveRun(key: string, ...args: (string | number)[]): Promise<number>;
};

export class RunStore {
  private readonly redis: WithSave;

  constructor(
    redis: Redis,
    private readonly queue: string,
  ) {
    if (!('lowbitSaveRun' in redis))
      redis.defineCommand('lowbitSaveRun', { numberOfKeys: 1, lua: SAVE });
    this.redis = redis as WithSave;
  }

  key(jobId: string): string {
    return `${KEY_PREFIX}:state:${this.queue}:${jobId}`;
  }

  /**
   * Stores a snapshot (files in `sets` replaced whole, `snap.appends` appended) unless a
   * snapshot at the same or a later step is stored already. Returns whether it was applied.
   */
  async save(jobId: string, snap: Snapshot, sets: Record<string, string> = {}): Promise<boolean> {
    const all = { ...sets, 'checkpoint.json': snap.checkpoint };
    const args: (string | number)[] = [snap.step, snap.epoch, Object.keys(all).length];
    for (const [f, v] of Object.entries(all)) args.push(f, v);
    for (const [f, v] of Object.entries(snap.appends)) if (!(f in all)) args.push(f, v);
    return (await this.redis.lowbitSaveRun(this.key(jobId), ...args)) === 1;
  }

  async load(jobId: string): Promise<StoredRun | null> {
    const h = await this.redis.hgetall(this.key(jobId));
    if (!h[STEP]) return null;
    const { [STEP]: step, [EPOCH]: epoch, [RESULT]: result, ...files } = h;
    return { step: Number(step), epoch: Number(epoch), files, result: result ?? null };
  }

  /**
   * A run's files as stored, bytes unchanged (the coordinator writes them as they are: a
   * megabyte checkpoint is not decoded to a string and encoded again). Empty when none.
   */
  async loadFiles(jobId: string): Promise<Record<string, Buffer>> {
    const h = await this.redis.hgetallBuffer(this.key(jobId));
    const files: Record<string, Buffer> = {};
    for (const [k, v] of Object.entries(h))
      if (k !== STEP && k !== EPOCH && k !== RESULT) files[k] = v;
    return files;
  }

  /** The run ended: its final files, whole, and the job's result (JSON); no save after it. */
  async finish(jobId: string, files: Record<string, string>, result: string): Promise<void> {
    await this.redis.hset(this.key(jobId), {
      ...files,
      [RESULT]: result,
      [STEP]: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Where a run that starts from another run's weights finds that run's checkpoint. */
  initKey(jobId: string): string {
    return `${KEY_PREFIX}:init:${this.queue}:${jobId}`;
  }

  /** The checkpoint (checkpoint.json's text) a new run of this job starts from (`init`). */
  async saveInit(jobId: string, checkpoint: string): Promise<void> {
    await this.redis.set(this.initKey(jobId), checkpoint);
  }

  async loadInit(jobId: string): Promise<string | null> {
    return this.redis.get(this.initKey(jobId));
  }

  /** Where a GAN run finds the files of the classifier that scores it (`judge`). */
  judgeKey(jobId: string): string {
    return `${KEY_PREFIX}:judge:${this.queue}:${jobId}`;
  }

  /**
   * The judge's run files by name (config.json and checkpoint.json): needed at every start of
   * the job, a resumed one too, so kept until the job is dropped.
   */
  async saveJudge(jobId: string, files: Record<string, string>): Promise<void> {
    await this.redis.set(this.judgeKey(jobId), JSON.stringify(files));
  }

  async loadJudge(jobId: string): Promise<Record<string, string> | null> {
    const text = await this.redis.get(this.judgeKey(jobId));
    return text === null ? null : (JSON.parse(text) as Record<string, string>);
  }

  async drop(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId), this.initKey(jobId), this.judgeKey(jobId));
  }
}
