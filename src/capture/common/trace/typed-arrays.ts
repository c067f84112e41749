// Growing the typed-array columns the replay keeps its op logs and time index in.

type Column = Uint8Array | Int32Array | Float64Array;

/** A copy of `column` with room for `size` elements (the extra ones zero); the same array type comes back. */
export function grownTo<T extends Column>(column: T, size: number): T {
  const grown = new (column.constructor as new (length: number) => T)(size);
  grown.set(column);
  return grown;
}
