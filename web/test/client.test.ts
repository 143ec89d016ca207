// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, Client, expiresSoon, newIdempotencyKey } from '../src/api/client';
import { json, jwt, memoryStore, problem, startApi, tokens, type TestApi } from './api';

let api: TestApi;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

function client(store = memoryStore(tokens()), lost: string[] = []) {
  return new Client({ store, base: api.url, language: () => 'fr', onAuthLost: () => lost.push('lost') });
}

describe('Client', () => {
  it('sends Accept-Language and the bearer token', async () => {
    const store = memoryStore(tokens());
    api.on('GET /api/users/me', (_, res) => json(res, 200, { id: 'a' }));
    await client(store).get('/api/users/me');
    expect(api.seen[0].headers['accept-language']).toBe('fr');
    expect(api.seen[0].headers.authorization).toBe(`Bearer ${store.value!.accessToken}`);
  });

  it('turns a problem document into an ApiError with field errors and Retry-After', async () => {
    api.on('POST /api/events', (_, res) => {
      res.setHeader('Retry-After', '3');
      problem(res, 400, 'validation_failed', 'Champs invalides', { errors: { title: 'Titre requis' } });
    });
    const err = await client().post('/api/events', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect([e.status, e.code, e.message, e.errors.title, e.problem.retryAfter]).toEqual([400, 'validation_failed', 'Champs invalides', 'Titre requis', 3]);
  });

  it('renews the tokens once on a 401 and repeats the call', async () => {
    const store = memoryStore(tokens());
    const fresh = tokens(undefined, jwt(900, 'fresh'), 'r2');
    api.on('GET /api/tickets', (req, res) =>
      req.headers.authorization === `Bearer ${fresh.accessToken}` ? json(res, 200, { items: [], nextCursor: null }) : problem(res, 401, 'unauthorized', 'no'),
    );
    api.on('POST /api/auth/refresh', (req, res) => {
      expect(req.body).toEqual({ refreshToken: 'r1' });
      json(res, 200, fresh);
    });
    const page = await client(store).page('/api/tickets');
    expect(page).toEqual({ items: [], nextCursor: null });
    expect(store.value?.refreshToken).toBe('r2');
    expect(api.seen.map((s) => s.path)).toEqual(['/api/tickets', '/api/auth/refresh', '/api/tickets']);
  });

  it('shares one refresh between concurrent calls', async () => {
    const store = memoryStore(tokens(undefined, jwt(-60)));
    const fresh = tokens(undefined, jwt(900, 'fresh'), 'r2');
    api.on('POST /api/auth/refresh', (_, res) => setTimeout(() => json(res, 200, fresh), 50));
    api.on('GET /api/events', (_, res) => json(res, 200, { items: [], nextCursor: null }));
    const c = client(store);
    await Promise.all([c.get('/api/events'), c.get('/api/events'), c.get('/api/events')]);
    expect(api.seen.filter((s) => s.path === '/api/auth/refresh')).toHaveLength(1);
    expect(api.seen.filter((s) => s.path === '/api/events').every((s) => s.headers.authorization === `Bearer ${fresh.accessToken}`)).toBe(true);
  });

  it('ends the session and reports it when the refresh is refused', async () => {
    const store = memoryStore(tokens(undefined, jwt(-60)));
    const lost: string[] = [];
    api.on('POST /api/auth/refresh', (_, res) => problem(res, 401, 'unauthorized', 'used refresh token'));
    const err = await client(store, lost).get('/api/tickets').catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(401);
    expect(store.value).toBeNull();
    expect(lost).toEqual(['lost']);
    expect(api.seen.map((s) => s.path)).toEqual(['/api/auth/refresh']);
  });

  it('does not refresh for a 401 on a call made signed out', async () => {
    api.on('POST /api/auth/login', (_, res) => problem(res, 401, 'unauthorized', 'wrong email or password'));
    const err = await client(memoryStore(null)).post('/api/auth/login', { email: 'a@b.c', password: 'x' }).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('unauthorized');
    expect(api.seen).toHaveLength(1);
  });

  it('reports an unreachable server as a network error', async () => {
    const c = new Client({ store: memoryStore(null), base: 'http://127.0.0.1:1', language: () => 'en' });
    const err = await c.get('/api/events').catch((e: unknown) => e);
    expect((err as ApiError).code).toBe('network');
  });
});

describe('helpers', () => {
  it('reads exp from a JWT', () => {
    expect(expiresSoon(jwt(900))).toBe(false);
    expect(expiresSoon(jwt(10))).toBe(true);
    expect(expiresSoon('garbage')).toBe(true);
  });

  it('makes distinct RFC 4122 v4 idempotency keys', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });
});
