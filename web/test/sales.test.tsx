import type { ServerResponse } from 'node:http';
import { screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GuichetEvent } from '../src/api/types';
import { salesRefreshMs } from '../src/pages/organizer/EventSales';
import { buyer, json, memoryStore, problem, startApi, tokens, type TestApi } from './api';
import { renderApp } from './render';

const event: GuichetEvent = {
  id: '65b000000000000000000002',
  title: 'Village hall quiz',
  description: 'Teams of four.',
  date: '2099-06-01T19:00:00Z',
  address: 'Village hall',
  ticketCapacity: 80,
  price: 5,
  currency: 'EUR',
  ticketsSold: 0,
  ticketsRemaining: 80,
  status: 'scheduled',
  organizerId: buyer.id,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

let api: TestApi;
beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  api = await startApi();
  api.on(`GET /api/events/${event.id}/tickets`, (_, res) => json(res, 200, { items: [] }));
});
afterEach(() => {
  vi.useRealTimers();
  return api.close();
});

describe('the sales page', () => {
  it('follows the sales while it is open and keeps its figures through a failed refresh', async () => {
    const answers: ((res: ServerResponse) => void)[] = [
      (res) => json(res, 200, event),
      (res) => problem(res, 503, 'unavailable', 'Try again shortly.'),
      (res) => json(res, 200, { ...event, ticketsSold: 2, ticketsRemaining: 78 }),
    ];
    let reads = 0;
    let failedRefresh = () => {};
    const refreshFailed = new Promise<void>((resolve) => (failedRefresh = resolve));
    api.on(`GET /api/events/${event.id}`, (_, res) => {
      answers[Math.min(reads++, answers.length - 1)](res);
      if (reads === 2) failedRefresh();
    });
    renderApp(`/organizer/events/${event.id}`, api.url, memoryStore(tokens({ ...buyer, role: 'organizer' })));
    expect((await screen.findByTestId('sold')).textContent).toBe('0');

    // (waitFor polls with setInterval, faked here: wait on the server side.)
    vi.advanceTimersByTime(salesRefreshMs);
    await refreshFailed;
    await new Promise((r) => setTimeout(r, 100));
    expect(screen.getByTestId('sold').textContent).toBe('0');

    vi.advanceTimersByTime(salesRefreshMs);
    await waitFor(() => expect(screen.getByTestId('sold').textContent).toBe('2'));
  });
});
