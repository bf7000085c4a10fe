/**
 * Per-client fairness on BullMQ's open-source priorities (its round-robin "groups" are BullMQ Pro only).
 * Start-time fair queueing: every job gets a round = max(virtual time, the client's last round) + 1, used as
 * its BullMQ priority (lower runs first, FIFO within a priority). Virtual time is the round of the job a
 * worker started last. So a retoucher's 4 variations take rounds v+1…v+4 and another's single try takes v+1:
 * it runs after at most one of the 4. One client's own jobs get rising rounds: FIFO per client.
 * Both steps are single Lua scripts, so concurrent fronts and workers never race on the counters.
 */
import type IORedis from 'ioredis';
import { KEYS } from './keys';

/** BullMQ's highest priority number. A studio reaches it after ~2 million jobs per model without a pause. */
export const MAX_PRIORITY = 2_097_151;
const VIRTUAL_TIME = '@v';

const NEXT_ROUND = `
local v = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
local last = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local round = math.max(v, last) + 1
redis.call('HSET', KEYS[1], ARGV[1], round)
return round`;

const STARTED = `
local v = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
if tonumber(ARGV[1]) > v then redis.call('HSET', KEYS[1], ARGV[2], ARGV[1]) end
return 1`;

/** The priority for a new job of `client` in `queueName`. */
export async function nextRound(redis: IORedis, queueName: string, client: string): Promise<number> {
  const round = Number(await redis.eval(NEXT_ROUND, 1, KEYS.fairness(queueName), client, VIRTUAL_TIME));
  return Math.min(round, MAX_PRIORITY);
}

/** A worker started a job of this round: virtual time moves up to it. */
export async function roundStarted(redis: IORedis, queueName: string, round: number): Promise<void> {
  await redis.eval(STARTED, 1, KEYS.fairness(queueName), String(round), VIRTUAL_TIME);
}
