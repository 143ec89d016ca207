import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { formErrors } from '../src/components/forms';
import { translate } from '../src/i18n';
import { bodyOf, draftOf } from '../src/pages/organizer/EventForm';
import { buyer, memoryStore, problem, startApi, tokens, type TestApi } from './api';
import { renderApp } from './render';

const t = (k: Parameters<typeof translate>[1]) => translate('en', k);

describe('formErrors', () => {
  it.each([
    [
      'puts field messages beside their fields',
      new ApiError(400, { code: 'validation_failed', detail: 'Invalid', errors: { title: 'Too long' } }),
      ['title'],
      { fields: { title: 'Too long' }, message: 'Please correct the fields marked below.' },
    ],
    [
      'keeps messages of fields the form lacks above it',
      new ApiError(400, { code: 'validation_failed', detail: 'Invalid', errors: { title: 'Too long', organizerId: 'Bad' } }),
      ['title'],
      { fields: { title: 'Too long' }, message: 'Please correct the fields marked below. Bad' },
    ],
    ['shows the detail of other problems', new ApiError(409, { code: 'conflict', detail: 'Username taken' }), [], { fields: {}, message: 'Username taken' }],
    ['says the network failed', new ApiError(0, { code: 'network' }), [], { fields: {}, message: t('error.network') }],
    ['says something went wrong otherwise', new Error('boom'), [], { fields: {}, message: t('error.generic') }],
  ])('%s', (_, err, known, want) => {
    expect(formErrors(err, t, known)).toEqual(want);
  });
});

describe('event body', () => {
  it('sends numbers as numbers and times in UTC, and only changes when editing', () => {
    const draft = { ...draftOf(null), title: ' Gala ', description: 'D', date: '2099-06-01T20:00', address: 'A', ticketCapacity: '80', price: '19.99' };
    const body = bodyOf(draft, null);
    expect(body).toMatchObject({ title: 'Gala', ticketCapacity: 80, price: 19.99, currency: 'EUR' });
    expect(body.date).toBe(new Date('2099-06-01T20:00').toISOString());
    expect(body).not.toHaveProperty('salesStart');
    expect(bodyOf({ ...draft, price: '25' }, draft)).toEqual({ price: 25 });
  });
});

describe('event form', () => {
  let api: TestApi;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(() => api.close());

  it('shows the API validation messages next to their fields and focuses the first', async () => {
    api.on('POST /api/events', (_, res) =>
      problem(res, 400, 'validation_failed', 'Some fields are invalid', {
        errors: { title: 'Title must be 1 to 200 characters', date: 'The date must be in the future' },
      }),
    );
    renderApp('/organizer/events/new', api.url, memoryStore(tokens({ ...buyer, role: 'organizer' })));
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Create event' }));
    const title = await screen.findByLabelText('Title');
    await waitFor(() => expect(title.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = title.getAttribute('aria-describedby') ?? '';
    expect(describedBy.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain('Title must be 1 to 200 characters');
    expect(screen.getByLabelText('Date and time').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('The date must be in the future')).toBeTruthy();
    expect(screen.getByLabelText('Address').getAttribute('aria-invalid')).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(title));
  });
});
