import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyBudget, BodyBudgetExhaustedError, BodyTooLargeError, declaredLength, readBody } from '../../local-stack/http/body.ts';

describe('BodyBudget', () => {
  it('grants reservations while they fit and queues the rest in order', async () => {
    const budget = new BodyBudget(100);
    const first = await budget.reserve(60);
    const order: string[] = [];
    const second = budget.reserve(60).then((release) => (order.push('second'), release));
    const third = budget.reserve(30).then((release) => (order.push('third'), release));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]); // third fits, but waits behind second (no starvation of large bodies)
    expect(budget.inUse).toBe(60);
    first();
    const [releaseSecond, releaseThird] = await Promise.all([second, third]);
    expect(order).toEqual(['second', 'third']);
    expect(budget.inUse).toBe(90);
    releaseSecond();
    releaseSecond(); // releasing twice is harmless
    releaseThird();
    expect(budget.inUse).toBe(0);
  });

  it('lets one request take the whole budget, and times out waiters with a 503-able error', async () => {
    const budget = new BodyBudget(10, 50);
    const all = await budget.reserve(1_000);
    expect(budget.inUse).toBe(10);
    await expect(budget.reserve(1)).rejects.toBeInstanceOf(BodyBudgetExhaustedError);
    all();
    expect(budget.inUse).toBe(0);
  });

  it('drops a waiter whose client went away', async () => {
    const budget = new BodyBudget(10);
    const held = await budget.reserve(10);
    const controller = new AbortController();
    const waiting = budget.reserve(5, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow(/aborted/);
    held();
    expect(budget.inUse).toBe(0);
  });
});

describe('readBody', () => {
  it('reads within the limit and refuses beyond it, releasing its reservation', async () => {
    const budget = new BodyBudget(1_000);
    const small = new PassThrough();
    const read = readBody(small, { limit: 10, budget });
    small.end('0123456789');
    const { body, release } = await read;
    expect(body.toString()).toBe('0123456789');
    expect(budget.inUse).toBe(10);
    release();
    const large = new PassThrough();
    const refused = readBody(large, { limit: 10, budget });
    large.write('0123456789');
    large.write('x');
    await expect(refused).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(budget.inUse).toBe(0);
    await expect(readBody(new PassThrough(), { limit: 10, budget, declared: 11 })).rejects.toBeInstanceOf(BodyTooLargeError);
  });

  it('knows a request without Content-Length or Transfer-Encoding has no body', () => {
    expect(declaredLength({})).toBe(0);
    expect(declaredLength({ 'content-length': '42' })).toBe(42);
    expect(declaredLength({ 'transfer-encoding': 'chunked' })).toBeUndefined();
  });
});
