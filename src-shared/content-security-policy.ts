// The renderer's Content-Security-Policy: sent as a header by the Electron session and by `pwb serve`,
// and repeated as a meta tag in src-renderer/index.html (a test keeps the three equal). No inline or
// eval'd scripts; blob: images for charts exported as PNG.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
].join('; ');
