/**
 * WebCrypto's `crypto.subtle` exists only in a secure context (https, or
 * http on localhost/127.0.0.1). Without it Hush cannot encrypt, and it must
 * refuse to send rather than fall back to plaintext.
 */
export function hasWebCrypto(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext && typeof crypto !== 'undefined' && typeof crypto.subtle !== 'undefined';
}
