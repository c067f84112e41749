// CLI output helpers: JSON for automation, aligned text for people, never a raw control byte from evidence.
import { visibleText } from '../contract/visible-text.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as aligned columns; every cell goes through visibleText first. */
export function printTable(headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const safeRows = rows.map((row) => row.map((cell) => visibleText(cell)));
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...safeRows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${[line(headers), ...safeRows.map(line)].join('\n')}\n`);
}

export function printError(message: string): void {
  process.stderr.write(`holdcell: ${visibleText(message)}\n`);
}
