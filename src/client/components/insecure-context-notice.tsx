/** Explains why nothing can be sent when WebCrypto is missing, instead of failing silently. */
export function InsecureContextNotice() {
  return (
    <div role="alert" data-testid="insecure-context" className="rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
      <p className="font-semibold">Encryption is unavailable on this connection.</p>
      <p>
        Browsers only offer the encryption Hush needs (WebCrypto) on secure pages: https, or http on localhost. Open Hush over https (or on
        this machine as http://localhost) — it will not send anything unencrypted.
      </p>
    </div>
  );
}
