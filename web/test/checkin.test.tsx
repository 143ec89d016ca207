import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { I18nProvider } from '../src/i18n';
import { CheckInResult, type CheckIn } from '../src/pages/CheckIn';
import { buyer, json, memoryStore, problem, startApi, tokens, type TestApi } from './api';
import { renderApp } from './render';

const ticket = {
  uuid: '00000000-0000-4000-8000-000000000001',
  event: 'e',
  number: 42,
  price: 0,
  currency: 'EUR',
  date: '2026-05-01T10:00:00Z',
  ownerId: 'a',
  status: 'used' as const,
  code: 'c',
  confirmation: { channel: 'email' as const, status: 'sent' as const },
};

describe('check-in result', () => {
  it.each<[string, CheckIn, string, RegExp]>([
    ['valid', { kind: 'valid', ticket }, 'valid', /Valid: welcome!.*Ticket #42/],
    ['already checked in, with the time', { kind: 'already', checkedInAt: '2026-06-01T19:05:00Z', detail: 'x' }, 'already', /Already checked in.*First checked in at/],
    ['invalid', { kind: 'invalid', detail: 'This code is not a genuine ticket' }, 'invalid', /Invalid ticket.*This code is not a genuine ticket/],
    ['for another organizer', { kind: 'forbidden', detail: 'x' }, 'invalid', /Invalid ticket.*an event you do not organize/],
  ])('shows %s', (_, result, kind, text) => {
    const { container } = render(
      <I18nProvider initial="en">
        <CheckInResult result={result} />
      </I18nProvider>,
    );
    const box = container.querySelector('.checkin-result');
    expect(box?.getAttribute('data-result')).toBe(kind);
    expect(box?.className).toContain(`checkin-${kind}`);
    expect(box?.textContent).toMatch(text);
  });
});

describe('check-in page', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  it('checks a pasted code in, refuses it the second time, and rejects a forged one', async () => {
    const checked = new Set<string>();
    api.on('POST /api/tickets/verify', (req, res) => {
      const { code } = req.body as { code: string };
      if (code !== 'good-code') return problem(res, 422, 'invalid_ticket', 'Ce billet est invalide');
      if (checked.has(code)) return problem(res, 409, 'already_checked_in', 'Déjà contrôlé', { checkedInAt: '2026-06-01T19:05:00Z' });
      checked.add(code);
      json(res, 200, { valid: true, ticket: { ...ticket, checkedInAt: '2026-06-01T19:05:00Z' } });
    });
    renderApp('/checkin', api.url, memoryStore(tokens({ ...buyer, role: 'organizer' })), 'fr');
    const user = userEvent.setup();
    const field = await screen.findByLabelText('Code du billet');
    const result = () => document.querySelector('.checkin-result');

    await user.click(field);
    await user.paste('good-code');
    await user.click(screen.getByRole('button', { name: 'Contrôler' }));
    await screen.findByText(/Valide : bienvenue/);
    expect(result()?.getAttribute('data-result')).toBe('valid');
    expect(document.activeElement).toBe(field);

    await user.paste('good-code');
    await user.keyboard('{Enter}');
    await screen.findByText(/Déjà contrôlé/);
    expect(result()?.getAttribute('data-result')).toBe('already');
    expect(result()?.textContent).toContain('Premier contrôle à');

    await user.paste('good-codf');
    await user.keyboard('{Enter}');
    await screen.findByText('Ce billet est invalide');
    expect(result()?.getAttribute('data-result')).toBe('invalid');
    expect(api.seen.every((s) => s.headers['accept-language'] === 'fr')).toBe(true);
  });
});
