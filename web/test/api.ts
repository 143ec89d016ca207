// A small HTTP server standing in for the Guichet API in unit tests: real
// sockets and real fetch, with the answers each test needs (API.md shapes).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Tokens, User } from '../src/api/types';
import type { TokenStore } from '../src/api/client';

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Handler = (req: Seen, res: ServerResponse) => void;

export interface TestApi {
  url: string;
  seen: Seen[];
  on: (route: string, h: Handler) => void;
  close: () => Promise<void>;
}

export async function startApi(): Promise<TestApi> {
  const routes = new Map<string, Handler>();
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const s: Seen = { method: req.method ?? '', path: url.pathname + url.search, headers: req.headers, body: raw ? JSON.parse(raw) : undefined };
      seen.push(s);
      const h = routes.get(`${s.method} ${url.pathname}`);
      if (h) h(s, res);
      else problem(res, 404, 'not_found', 'Not found');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    on: (route, h) => routes.set(route, h),
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function problem(res: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title: detail, status, detail, code, ...extra }));
}

/** jwt makes an unsigned token with exp seconds from now (the SPA reads only exp). */
export function jwt(expiresInSeconds: number, id = 'a'): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, '');
  return `${b64({ alg: 'EdDSA' })}.${b64({ sub: id, exp: Math.floor(Date.now() / 1000) + expiresInSeconds })}.sig`;
}

export const buyer: User = {
  id: '65a1b2c3d4e5f60718293a4b',
  username: 'ada',
  email: 'ada@example.com',
  role: 'customer',
  language: 'en',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

export function tokens(user: User = buyer, access = jwt(900), refresh = 'r1'): Tokens {
  return { accessToken: access, refreshToken: refresh, tokenType: 'Bearer', expiresIn: 900, user };
}

export function memoryStore(initial: Tokens | null = null): TokenStore & { value: Tokens | null } {
  return {
    value: initial,
    get() {
      return this.value;
    },
    set(t) {
      this.value = t;
    },
  };
}
