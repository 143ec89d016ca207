import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, jwt, memoryStore, problem, startApi, tokens, type TestApi } from './api';
import { renderApp } from './render';

describe('session', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  it('sends the user to sign-in when the refresh fails, then back to the same page', async () => {
    const store = memoryStore(tokens(undefined, jwt(-60)));
    api.on('POST /api/auth/refresh', (_, res) => problem(res, 401, 'unauthorized', 'Not signed in'));
    api.on('POST /api/auth/login', (req, res) => {
      expect(req.body).toEqual({ email: 'ada@example.com', password: 'correct horse' });
      json(res, 200, tokens());
    });
    api.on('GET /api/tickets', (req, res) =>
      req.headers.authorization ? json(res, 200, { items: [], nextCursor: null }) : problem(res, 401, 'unauthorized', 'no'),
    );
    renderApp('/tickets?page=2', api.url, store);

    expect(await screen.findByText('Your session has ended. Please sign in again.')).toBeTruthy();
    expect(store.value).toBeNull();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Email or username'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByText('You have no tickets yet.')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('My tickets');
    expect(store.value?.refreshToken).toBe('r1');
  });

  it('signs up, signs in and sends the chosen language and role', async () => {
    const store = memoryStore(null);
    api.on('POST /api/auth/register', (_, res) => json(res, 201, tokens().user));
    api.on('POST /api/auth/login', (_, res) => json(res, 200, tokens()));
    api.on('GET /api/events', (_, res) => json(res, 200, { items: [], nextCursor: null }));
    renderApp('/signup', api.url, store, 'fr');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Nom d'utilisateur"), 'ada');
    await user.type(screen.getByLabelText('E-mail'), 'ada@example.com');
    await user.type(screen.getByLabelText('Mot de passe'), 'correct horse');
    await user.click(screen.getByLabelText("J'organise des événements"));
    await user.click(screen.getByRole('button', { name: 'Créer mon compte' }));
    expect(await screen.findByText('Aucun événement ne correspond.')).toBeTruthy();
    const register = api.seen.find((s) => s.path === '/api/auth/register');
    expect(register?.body).toEqual({ username: 'ada', email: 'ada@example.com', password: 'correct horse', language: 'fr', role: 'organizer' });
    expect(store.value?.user.username).toBe('ada');
  });
});
