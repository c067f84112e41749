// The strace parser's set of task ids (bitmap for real pids, Set for the rest) answers exactly as a Set would.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TaskIdSet } from '../../src/capture/common/trace/task-id-set.js';
import { budget, timeout } from './fuzz-support.js';

/** Ids a trace can show: small and large real pids, the bitmap's edges, and numbers no kernel gives. */
const taskId = fc.oneof(
  fc.integer({ min: 0, max: 70 }),
  fc.integer({ min: 0, max: 4_194_304 }),
  fc.constantFrom(31, 32, 4_194_303, 4_194_304, 4_194_305, -1, -7, 2 ** 32, 2 ** 53 - 1, 1.5),
);

const operation = fc.record({ op: fc.constantFrom('add', 'delete', 'has', 'only'), id: taskId });

describe('task id set', () => {
  it(
    'given any sequence of adds and deletes, when asked, then has, size, delete and the only member match a Set',
    () => {
      fc.assert(
        fc.property(fc.array(operation, { maxLength: 200 }), (operations) => {
          const tasks = new TaskIdSet();
          const expected = new Set<number>();
          for (const { op, id } of operations) {
            if (op === 'add') {
              tasks.add(id);
              expected.add(id);
            } else if (op === 'delete') expect(tasks.delete(id)).toBe(expected.delete(id));
            else if (op === 'has') expect(tasks.has(id)).toBe(expected.has(id));
            else expect(tasks.only()).toBe(expected.size === 1 ? [...expected][0] : undefined);
            expect(tasks.size).toBe(expected.size);
          }
        }),
        budget(300),
      );
    },
    timeout(20_000),
  );

  it('given a million tasks seen then all but one gone, then the one left is named without a scan', () => {
    const tasks = new TaskIdSet();
    for (let id = 1000; id < 1_001_000; id++) tasks.add(id);
    expect(tasks.size).toBe(1_000_000);
    expect(tasks.only()).toBeUndefined();
    for (let id = 1000; id < 1_001_000; id++) if (id !== 424_242) tasks.delete(id);
    expect(tasks.only()).toBe(424_242);
    tasks.add(-5);
    expect(tasks.only()).toBeUndefined();
    tasks.delete(424_242);
    expect(tasks.only()).toBe(-5);
  });
});
