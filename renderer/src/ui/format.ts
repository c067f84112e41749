// Display formats shared by the views: byte sizes and UTC times.

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
}

/** UTC to the second; callers keep the full (nanosecond) string in a tooltip. */
export function shortUtc(time: string): string {
  return time.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC');
}
