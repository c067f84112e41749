// The event list's windowing: the rows drawn for a scroll position and where they go, up to a million rows taller
// than any browser lays out, where scroll positions map proportionally and every row stays reachable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isRowVisible,
  listWindow,
  MAX_SCROLL_HEIGHT,
  rowInSlot,
  rowTop,
  sameWindow,
  scrollTopFor,
  slotCount,
} from '../../renderer/src/features/timeline/windowing.js';

const ROW = 26;
const VIEW = 520;

describe('windowing the event list', () => {
  it('given a short list scrolled part way, when windowed, then the visible rows plus overscan are drawn at their own place', () => {
    const shown = listWindow({
      scrollTop: 10 * ROW + 5,
      viewportHeight: VIEW,
      rowHeight: ROW,
      count: 1000,
      overscan: 3,
    });
    expect(shown.first).toBe(7);
    expect(shown.end).toBe(10 + VIEW / ROW + 1 + 3);
    expect(shown.offset).toBe(7 * ROW);
    expect(shown.height).toBe(1000 * ROW);
    expect(listWindow({ scrollTop: 0, viewportHeight: VIEW, rowHeight: ROW, count: 0, overscan: 3 })).toEqual({
      first: 0,
      end: 0,
      offset: 0,
      height: 0,
    });
  });

  it('given a million rows, when scrolled to the very end, then the last row is drawn whole at the viewport bottom', () => {
    const count = 1_000_000;
    const geometry = { viewportHeight: VIEW, rowHeight: ROW, count };
    const end = MAX_SCROLL_HEIGHT - VIEW;
    const shown = listWindow({ ...geometry, scrollTop: end, overscan: 0 });
    expect(shown.height).toBe(MAX_SCROLL_HEIGHT);
    expect(shown.end).toBe(count);
    const lastTop = shown.offset + (count - 1 - shown.first) * ROW;
    expect(lastTop + ROW).toBeCloseTo(end + VIEW, 6);
    expect(isRowVisible(count - 1, { ...geometry, scrollTop: end })).toBe(true);
  });

  it('given any row of a long or short list, when scrolled to it, then it is drawn at the top of the viewport', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (count, at) => {
        const geometry = { viewportHeight: VIEW, rowHeight: ROW, count };
        const index = Math.min(count - 1, Math.floor(at * count));
        const scrollTop = scrollTopFor(index, geometry);
        const shown = listWindow({ ...geometry, scrollTop, overscan: 2 });
        expect(index).toBeGreaterThanOrEqual(shown.first);
        expect(index).toBeLessThan(shown.end);
        const top = shown.offset + (index - shown.first) * ROW;
        // At the top, unless the list ends first (then the row is lower down, still inside the viewport).
        expect(top).toBeGreaterThanOrEqual(scrollTop - 1e-6);
        expect(top + ROW).toBeLessThanOrEqual(Math.max(scrollTop + VIEW, shown.height) + 1e-6);
        if (count * ROW - index * ROW >= VIEW) expect(top).toBeCloseTo(scrollTop, 3);
      }),
    );
  });

  it('given scroll positions within one row, when windowed, then the window is the same (no re-render)', () => {
    const at = (scrollTop: number) =>
      listWindow({ scrollTop, viewportHeight: VIEW, rowHeight: ROW, count: 500, overscan: 4 });
    expect(sameWindow(at(ROW * 20), at(ROW * 20 + 25))).toBe(true);
    expect(sameWindow(at(ROW * 20), at(ROW * 21))).toBe(false);
  });

  it('given a scroll of a few rows, when rows are placed, then every row drawn before keeps its slot and its exact place', () => {
    // Chromium's measured height limit (max-height.ts): a hundred thousand rows of 26 px scroll natively.
    const at = (scrollTop: number) =>
      listWindow({
        scrollTop,
        viewportHeight: VIEW,
        rowHeight: ROW,
        count: 100_000,
        overscan: 6,
        maxHeight: 31_800_000,
      });
    const before = at(ROW * 5000 + 3);
    const after = at(ROW * 5004 + 11);
    const slots = slotCount(VIEW, ROW, 6);
    expect(after.first).toBeGreaterThan(before.first);
    const slotOf = (shown: ReturnType<typeof at>, index: number) =>
      [...Array(slots).keys()].filter((slot) => rowInSlot(slot, shown, slots) === index);
    for (let index = after.first; index < before.end; index += 1) {
      expect(rowTop(after, index, ROW)).toBe(index * ROW);
      expect(rowTop(before, index, ROW)).toBe(rowTop(after, index, ROW));
      expect(slotOf(after, index)).toEqual(slotOf(before, index));
    }
    // Only the slots of the rows that left are given to the rows that came.
    const changed = [...Array(slots).keys()].filter(
      (slot) => rowInSlot(slot, before, slots) !== rowInSlot(slot, after, slots),
    );
    expect(changed.length).toBe(after.first - before.first + (after.end - before.end));
  });

  it('given any window, when its rows are given slots, then each drawn row has exactly one slot, one row apart in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 100, max: 3000 }),
        (count, at, viewportHeight) => {
          const geometry = { viewportHeight, rowHeight: ROW, count, overscan: 6 };
          const shown = listWindow({ ...geometry, scrollTop: at * Math.max(0, MAX_SCROLL_HEIGHT - viewportHeight) });
          const slots = slotCount(viewportHeight, ROW, 6);
          const drawn = [...Array(slots).keys()].map((slot) => rowInSlot(slot, shown, slots)).filter((i) => i >= 0);
          expect(drawn.sort((a, b) => a - b)).toEqual(
            Array.from({ length: shown.end - shown.first }, (_, offset) => shown.first + offset),
          );
          for (const index of drawn)
            expect(rowTop(shown, index, ROW) - rowTop(shown, shown.first, ROW)).toBeCloseTo(
              (index - shown.first) * ROW,
              6,
            );
        },
      ),
    );
  });

  it('given a viewport, when slots are counted, then every window of it fits the pool with no row sharing a slot', () => {
    expect(slotCount(VIEW, ROW, 6)).toBe(40);
    expect(slotCount(0, ROW, 6)).toBe(16);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 20 }),
        (viewportHeight, count, at, overscan) => {
          const shown = listWindow({
            scrollTop: at * MAX_SCROLL_HEIGHT,
            viewportHeight,
            rowHeight: ROW,
            count,
            overscan,
          });
          const slots = slotCount(viewportHeight, ROW, overscan);
          const used = new Set<number>();
          for (let index = shown.first; index < shown.end; index += 1) used.add(index % slots);
          expect(used.size).toBe(shown.end - shown.first);
          // No more layers than a window can use, give or take the rounding.
          expect(slots - (Math.ceil(viewportHeight / ROW) + 1 + 2 * overscan)).toBeLessThan(8);
        },
      ),
    );
  });
});
