// The one HTTP client of the SPA: every call sends Accept-Language, signed-in
// calls send the bearer token, and an expired access token is renewed once
// with the refresh token (one refresh at a time, shared by concurrent calls).
// A failed refresh signs the user out and reports it through onAuthLost so
// the app can send them to sign-in and back.
import type { Page, Problem, Tokens } from './types';

/** ApiError is a problem document (RFC 9457) answered by the API. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: Record<string, string>;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? (status === 0 ? 'network' : 'internal');
    this.errors = problem.errors ?? {};
    this.problem = problem;
  }
}

/** TokenStore keeps the session between page loads. */
export interface TokenStore {
  get(): Tokens | null;
  set(tokens: Tokens | null): void;
}

const sessionKey = 'guichet.session';

/**
 * localStore keeps the tokens in localStorage so a reload stays signed in.
 * Any script on the origin can read them; the CSP allows only the app's own
 * scripts, and access tokens live 15 minutes.
 */
export const localStore: TokenStore = {
  get() {
    try {
      const raw = localStorage.getItem(sessionKey);
      return raw ? (JSON.parse(raw) as Tokens) : null;
    } catch {
      return null;
    }
  },
  set(tokens) {
    if (tokens) localStorage.setItem(sessionKey, JSON.stringify(tokens));
    else localStorage.removeItem(sessionKey);
  },
};

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  headers?: Record<string, string>;
  /** send the bearer token (default: when signed in) */
  auth?: boolean;
}

export interface ClientOptions {
  store: TokenStore;
  language: () => string;
  onAuthLost?: () => void;
  onTokens?: (tokens: Tokens | null) => void;
  fetch?: typeof fetch;
  base?: string;
}

/** expiresSoon tells whether a JWT's exp is within skew seconds. */
export function expiresSoon(jwt: string, skewSeconds = 30, now = Date.now()): boolean {
  const payload = jwt.split('.')[1];
  if (!payload) return true;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: number }).exp;
    return typeof exp !== 'number' || exp * 1000 - skewSeconds * 1000 <= now;
  } catch {
    return true;
  }
}

export class Client {
  private refreshing: Promise<Tokens | null> | null = null;
  private readonly opts: ClientOptions;

  constructor(opts: ClientOptions) {
    this.opts = opts;
  }

  get tokens(): Tokens | null {
    return this.opts.store.get();
  }

  /** setSession stores tokens after sign-in (or null after sign-out). */
  setSession(tokens: Tokens | null): void {
    this.opts.store.set(tokens);
    this.opts.onTokens?.(tokens);
  }

  get<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('GET', path, opts);
  }

  post<T>(path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, { ...opts, body });
  }

  patch<T>(path: string, body: unknown, opts: RequestOptions = {}): Promise<T> {
    return this.json<T>('PATCH', path, { ...opts, body });
  }

  delete(path: string, opts: RequestOptions = {}): Promise<void> {
    return this.json<void>('DELETE', path, opts);
  }

  page<T>(path: string, query: RequestOptions['query'] = {}): Promise<Page<T>> {
    return this.get<Page<T>>(path, { query });
  }

  /** blob fetches a binary resource (a QR image) with the bearer token. */
  async blob(path: string): Promise<Blob> {
    const res = await this.send('GET', path, {});
    return res.blob();
  }

  private async json<T>(method: string, path: string, opts: RequestOptions): Promise<T> {
    const res = await this.send(method, path, opts);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** send performs one call, renewing the access token at most once. */
  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const useAuth = opts.auth ?? this.tokens !== null;
    let tokens = useAuth ? this.tokens : null;
    if (tokens && expiresSoon(tokens.accessToken)) {
      tokens = await this.refresh();
      if (!tokens) throw unauthorized();
    }
    let res = await this.fetchOnce(method, path, opts, tokens);
    if (res.status === 401 && tokens) {
      tokens = await this.refresh(tokens);
      if (!tokens) throw await toError(res);
      res = await this.fetchOnce(method, path, opts, tokens);
    }
    if (!res.ok) throw await toError(res);
    return res;
  }

  private async fetchOnce(
    method: string,
    path: string,
    opts: RequestOptions,
    tokens: Tokens | null,
  ): Promise<Response> {
    const headers: Record<string, string> = {
      Accept: 'application/json, application/problem+json, image/png',
      'Accept-Language': this.opts.language(),
      ...opts.headers,
    };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (tokens) headers.Authorization = `Bearer ${tokens.accessToken}`;
    const doFetch = this.opts.fetch ?? fetch;
    try {
      return await doFetch((this.opts.base ?? '') + path + queryString(opts.query), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      });
    } catch {
      throw new ApiError(0, { code: 'network' });
    }
  }

  /**
   * refresh renews the tokens once for every caller waiting on it. stale is
   * the session a 401 was answered to: if another call already renewed it,
   * the new tokens are used without a second refresh.
   */
  refresh(stale?: Tokens): Promise<Tokens | null> {
    const current = this.tokens;
    if (stale && current && current.accessToken !== stale.accessToken) {
      return Promise.resolve(current);
    }
    if (!this.refreshing) {
      this.refreshing = this.doRefresh(current).finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  // doRefresh lets a network failure through as an ApiError (the session
  // may still be good); an answer other than 200 ends the session.
  private async doRefresh(current: Tokens | null): Promise<Tokens | null> {
    if (!current) return null;
    const body = { refreshToken: current.refreshToken };
    const res = await this.fetchOnce('POST', '/api/auth/refresh', { body }, null);
    if (!res.ok) {
      this.setSession(null);
      this.opts.onAuthLost?.();
      return null;
    }
    const tokens = (await res.json()) as Tokens;
    this.setSession(tokens);
    return tokens;
  }
}

function unauthorized(): ApiError {
  return new ApiError(401, { code: 'unauthorized', status: 401 });
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function toError(res: Response): Promise<ApiError> {
  let problem: Problem = { status: res.status };
  try {
    const text = await res.text();
    if (text) problem = { status: res.status, ...(JSON.parse(text) as Problem) };
  } catch {
    // a body that is not a problem document: keep the status alone
  }
  const retry = res.headers.get('Retry-After');
  if (retry) problem.retryAfter = Number(retry);
  return new ApiError(res.status, problem);
}

/**
 * newIdempotencyKey names one purchase attempt: a random UUID v4, built from
 * getRandomValues since randomUUID exists only in secure contexts.
 */
export function newIdempotencyKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
