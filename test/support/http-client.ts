/**
 * A tiny HTTP client for tests that behaves like one browser: it keeps the
 * cookies the server sets and sends an Origin header like a same-origin page.
 */
export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export class HttpClient {
  private readonly cookies = new Map<string, string>();

  constructor(
    readonly baseUrl: string,
    private readonly origin: string | null = baseUrl,
  ) {}

  /** The Cookie header this client would send (for WebSocket upgrades). */
  get cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request<T = any>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (this.origin && method !== 'GET') headers.origin = this.origin;
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload ?? null });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, index).trim(), pair!.slice(index + 1).trim());
    }
    const text = await response.text();
    let parsed: unknown = text;
    if (response.headers.get('content-type')?.includes('application/json') && text) parsed = JSON.parse(text);
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  createRoom(body: Record<string, unknown> = {}) {
    return this.request('POST', '/api/rooms', body);
  }

  /** Joins as a client that keeps no key (no body), or, given `keyCheck`, as the web client does. */
  join(roomId: string, keyCheck?: string) {
    return this.request('POST', `/api/rooms/${roomId}/join`, keyCheck === undefined ? undefined : { keyCheck });
  }
}
