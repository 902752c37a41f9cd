// Bytes as base64, for files sent through the API (importModel). In chunks: String.fromCharCode over a
// whole model file at once would overflow the call stack.
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
