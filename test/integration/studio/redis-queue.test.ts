/**
 * Studio mode's pieces on a real Redis: per-client fair rounds on BullMQ priorities (a real BullMQ worker
 * takes the jobs), and a real `insaneres worker` joining over rediss:// (TLS) with a password.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Queue, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { nextRound, roundStarted } from '../../../server/src/jobs/bull/fairness';
import { KEYS, PREFIX, connect, queueNameFor, type WorkerHeartbeat } from '../../../server/src/jobs/bull/keys';
import { redisMissing, removeRedisDir, startRedis, type TestRedis } from '../../helpers/redis-server';
import { tinyModel } from '../../helpers/tiny-model';

const BIN = path.resolve(__dirname, '../../../bin/insaneres.js');
const missing = redisMissing();

(missing ? describe.skip : describe)('fair rounds on BullMQ priorities (real Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    removeRedisDir(redis);
  });

  it("interleaves clients (one's 4 variations do not starve another's single try), FIFO per client", async () => {
    const commands = connect(redis.url, 'blocking', 'fairness-test');
    const queueName = queueNameFor('fair: test');
    const queue = new Queue(queueName, { connection: commands, prefix: PREFIX });
    const add = async (client: string, label: string): Promise<void> => {
      await queue.add('job', { label }, { priority: await nextRound(commands, queueName, client) });
    };
    for (const label of ['A1', 'A2', 'A3', 'A4']) await add('ip:10.0.0.1', label);
    await add('ip:10.0.0.2', 'B1');

    const order: string[] = [];
    const workerConnection = connect(redis.url, 'blocking', 'fairness-worker');
    const worker = new Worker(
      queueName,
      async (job) => {
        await roundStarted(commands, queueName, job.opts.priority ?? 0);
        order.push(job.data.label as string);
        // A third client arrives while A2 runs: it waits at most one round, not behind all of A's jobs.
        if (job.data.label === 'A2') await add('ip:10.0.0.3', 'C1');
      },
      { connection: workerConnection, prefix: PREFIX, concurrency: 1, autorun: false },
    );
    void worker.run();
    const deadline = Date.now() + 30_000;
    while (order.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await worker.close();
    await queue.close();
    commands.disconnect();
    workerConnection.disconnect();
    // Plain FIFO would give A1 A2 A3 A4 B1 C1.
    expect(order).toEqual(['A1', 'B1', 'A2', 'A3', 'C1', 'A4']);
  });
});

(missing ? describe.skip : describe)('insaneres worker over rediss:// with a password (real TLS Redis)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ tls: true, password: 'tls test password' });
  });
  afterAll(async () => {
    await redis?.stop();
    removeRedisDir(redis);
  });

  it('joins the registry, and leaves it on SIGTERM', async () => {
    const model = await tinyModel();
    const url = `rediss://:${encodeURIComponent(redis.password)}@127.0.0.1:${redis.port}`;
    // Node's own way to trust an extra CA; nothing InsaneRes-specific to configure.
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--model', model, '--device', 'cpu', '--name', 'tls-worker'], {
      stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: redis.caFile },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const client = new IORedis(url, { tls: { ca: fs.readFileSync(redis.caFile as string) }, maxRetriesPerRequest: 2 });
    try {
      let beat: WorkerHeartbeat | null = null;
      const deadline = Date.now() + 60_000;
      while (!beat && Date.now() < deadline && child.exitCode === null) {
        const raw = await client.hget(KEYS.workers, 'tls-worker');
        beat = raw ? (JSON.parse(raw) as WorkerHeartbeat) : null;
        if (!beat) await new Promise((r) => setTimeout(r, 250));
      }
      expect({ beat: beat && { name: beat.name, model: beat.model, busy: beat.busy }, stderr: beat ? '' : stderr }).toEqual({
        beat: { name: 'tls-worker', model: 'tiny-model', busy: false }, stderr: '',
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await client.hget(KEYS.workers, 'tls-worker')).toBeNull();
    } finally {
      child.kill('SIGKILL');
      client.disconnect();
    }
  });

  it('refuses a queue URL that is not redis:// or rediss:// with exit code 2 and one line', async () => {
    const child = spawn(process.execPath, [BIN, 'worker', '--queue', 'http://127.0.0.1:6379', '--model', 'x'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/--queue must start with redis:\/\/ or rediss:\/\//)]);
  });
});
