// The event list's windowing: the rows drawn for a scroll position and where they go, up to a million rows taller
// than any browser lays out, where scroll positions map proportionally and every row stays reachable.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockBox,
  blockTops,
  isRowVisible,
  listWindow,
  MAX_SCROLL_HEIGHT,
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

  it('given a scroll of a few rows, when rows are placed, then every row drawn before keeps its exact place', () => {
    const at = (scrollTop: number) =>
      listWindow({ scrollTop, viewportHeight: VIEW, rowHeight: ROW, count: 100_000, overscan: 6 });
    const slots = 64;
    // A row's place: its box's top plus its slot's fixed offset in the box.
    const place = (shown: ReturnType<typeof at>, index: number) =>
      blockTops(shown, ROW, slots)[blockBox(index, slots)] + (index % slots) * ROW;
    const before = at(ROW * 5000 + 3);
    const after = at(ROW * 5004 + 11);
    expect(after.first).toBeGreaterThan(before.first);
    for (let index = after.first; index < before.end; index += 1) {
      expect(place(after, index)).toBe(index * ROW);
      expect(place(before, index)).toBe(place(after, index));
    }
  });

  it('given a native scroll within one block of rows, when the boxes are placed, then they do not move (no paint, no style change)', () => {
    const slots = 64;
    // Chromium's measured height limit (max-height.ts): a million rows of 26 px scroll natively.
    const maxHeight = 31_800_000;
    const at = (scrollTop: number) =>
      listWindow({ scrollTop, viewportHeight: VIEW, rowHeight: ROW, count: 1_000_000, overscan: 6, maxHeight });
    // The overscan's 6 rows above the viewport: the first drawn row is the block's first.
    const start = at(ROW * (slots * 300 + 6));
    expect(start.first).toBe(slots * 300);
    const tops = blockTops(start, ROW, slots);
    for (let rows = 1; rows < slots; rows += 1)
      expect(blockTops(at(ROW * (slots * 300 + 6 + rows) + 7), ROW, slots)).toEqual(tops);
    // Past the block, only the box that held the rows now gone moves: two blocks down.
    const next = blockTops(at(ROW * slots * 301 + ROW * 6), ROW, slots);
    const moved = [0, 1].filter((box) => next[box] !== tops[box]);
    expect(moved).toHaveLength(1);
    expect(next[moved[0] as 0 | 1] - tops[moved[0] as 0 | 1]).toBe(2 * slots * ROW);
  });

  it('given a million rows past the browser height (proportional scrolling), when placed, then the drawn rows sit one row apart in order in the viewport', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (at) => {
        const geometry = { viewportHeight: VIEW, rowHeight: ROW, count: 2_000_000, overscan: 6 };
        const scrollTop = at * (MAX_SCROLL_HEIGHT - VIEW);
        const shown = listWindow({ ...geometry, scrollTop });
        const slots = slotCount(shown.end - shown.first);
        const tops = blockTops(shown, ROW, slots);
        const place = (index: number) => tops[blockBox(index, slots)] + (index % slots) * ROW;
        for (let index = shown.first; index < shown.end; index += 1)
          expect(place(index)).toBeCloseTo(shown.offset + (index - shown.first) * ROW, 6);
      }),
    );
  });

  it('given the rows drawn, when slots are counted, then no two drawn rows share a slot', () => {
    expect(slotCount(10)).toBe(64);
    expect(slotCount(64)).toBe(64);
    expect(slotCount(65)).toBe(128);
    const shown = listWindow({
      scrollTop: 123_456,
      viewportHeight: 4000,
      rowHeight: ROW,
      count: 1_000_000,
      overscan: 6,
    });
    const slots = slotCount(shown.end - shown.first);
    const used = new Set<number>();
    for (let index = shown.first; index < shown.end; index += 1) used.add(index % slots);
    expect(used.size).toBe(shown.end - shown.first);
  });
});
