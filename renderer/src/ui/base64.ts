// Bytes ⇄ base64 in the browser, for terminal data and evidence slices that cross the pipe as base64.

export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let index = 0; index < bytes.length; index += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(index, index + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

/** The raw bytes of an evidence path: pathBase64 when the display form is not the real name, else its UTF-8. */
export function rawPathBase64(entry: { path: string; pathBase64?: string | undefined }): string {
  return entry.pathBase64 ?? toBase64(new TextEncoder().encode(entry.path));
}
