import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GuichetEvent, Ticket } from '../src/api/types';
import { json, memoryStore, problem, startApi, tokens, type TestApi } from './api';
import { renderApp } from './render';

const event: GuichetEvent = {
  id: '65b000000000000000000001',
  title: 'Jazz at the hall',
  description: 'An evening of jazz.',
  date: '2099-06-01T19:00:00Z',
  address: '1 rue de la Paix, Paris',
  ticketCapacity: 80,
  price: 19.99,
  currency: 'EUR',
  ticketsSold: 10,
  ticketsRemaining: 70,
  status: 'scheduled',
  organizerId: '65a000000000000000000009',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

function ticket(n: number): Ticket {
  return {
    uuid: `00000000-0000-4000-8000-00000000000${n}`,
    event: event.id,
    number: n,
    price: 19.99,
    currency: 'EUR',
    date: '2026-05-01T10:00:00Z',
    ownerId: 'a',
    status: 'valid',
    code: `code-${n}`,
    confirmation: { channel: 'email', status: 'pending' },
  };
}

let api: TestApi;
beforeEach(async () => {
  api = await startApi();
  api.on(`GET /api/events/${event.id}`, (_, res) => json(res, 200, event));
});
afterEach(() => api.close());

const purchases = () => api.seen.filter((s) => s.method === 'POST');

describe('buying tickets', () => {
  it('buys once on a double click and shows the numbered tickets', async () => {
    api.on(`POST /api/events/${event.id}/tickets`, (_, res) => setTimeout(() => json(res, 201, { tickets: [ticket(11), ticket(12)] }), 100));
    renderApp(`/events/${event.id}`, api.url, memoryStore(tokens()));
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Quantity'), '2');
    const button = screen.getByRole('button', { name: 'Buy 2 tickets' });
    await user.dblClick(button);
    expect(await screen.findByText('Ticket #11')).toBeTruthy();
    expect(screen.getByText('Ticket #12')).toBeTruthy();
    expect(screen.getByText('A confirmation email is on its way.')).toBeTruthy();
    expect(purchases()).toHaveLength(1);
    expect(purchases()[0].body).toEqual({ quantity: 2, channel: 'email' });
    expect(purchases()[0].headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('repeats the same Idempotency-Key when the answer was lost, so the retry buys nothing new', async () => {
    let calls = 0;
    api.on(`POST /api/events/${event.id}/tickets`, (_, res) => {
      calls++;
      if (calls === 1) res.socket?.destroy();
      else json(res, 200, { tickets: [ticket(13)] });
    });
    renderApp(`/events/${event.id}`, api.url, memoryStore(tokens()));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Buy 1 ticket' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('you will not be charged twice'));
    await user.click(screen.getByRole('button', { name: 'Buy 1 ticket' }));
    expect(await screen.findByText('Ticket #13')).toBeTruthy();
    const keys = purchases().map((p) => p.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('starts a new attempt after a definitive refusal and shows the API message', async () => {
    let calls = 0;
    api.on(`POST /api/events/${event.id}/tickets`, (_, res) => {
      calls++;
      if (calls === 1) problem(res, 400, 'validation_failed', 'Invalid fields', { errors: { channel: 'Add a phone number to receive an SMS' } });
      else json(res, 201, { tickets: [ticket(14)] });
    });
    renderApp(`/events/${event.id}`, api.url, memoryStore(tokens()));
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText('SMS'));
    await user.click(screen.getByRole('button', { name: 'Buy 1 ticket' }));
    expect(await screen.findByText('Add a phone number to receive an SMS')).toBeTruthy();
    await user.click(screen.getByLabelText('Email'));
    await user.click(screen.getByRole('button', { name: 'Buy 1 ticket' }));
    expect(await screen.findByText('Ticket #14')).toBeTruthy();
    const keys = purchases().map((p) => p.headers['idempotency-key']);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it.each([
    ['sold out', { ticketsRemaining: 0, ticketsSold: 80 }, 'This event is sold out.'],
    ['sales not yet open', { salesStart: '2099-01-01T00:00:00Z' }, 'Sales open on'],
    ['sales closed', { salesEnd: '2020-01-01T00:00:00Z' }, 'Sales are closed for this event.'],
    ['cancelled', { status: 'cancelled' }, 'This event has been cancelled.'],
  ])('shows no buy box when %s', async (_, change, text) => {
    api.on(`GET /api/events/${event.id}`, (_, res) => json(res, 200, { ...event, ...change }));
    renderApp(`/events/${event.id}`, api.url, memoryStore(tokens()));
    await waitFor(() => expect(document.querySelector('.sale-state')?.textContent).toContain(text));
    expect(screen.queryByRole('button', { name: /Buy/ })).toBeNull();
  });

  it('asks a signed-out visitor to sign in and come back', async () => {
    renderApp(`/events/${event.id}`, api.url, memoryStore(null));
    const link = await screen.findByRole('link', { name: 'Sign in to buy tickets' });
    expect(link.getAttribute('href')).toBe(`/signin?next=${encodeURIComponent(`/events/${event.id}`)}`);
  });
});
