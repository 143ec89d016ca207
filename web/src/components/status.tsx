// Small shared pieces: loading and error lines, the event's sale state.
import { ApiError } from '../api/client';
import type { GuichetEvent } from '../api/types';
import { useI18n } from '../i18n';

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {t('app.loading')}
    </p>
  );
}

export function ErrorLine({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  let text = t('error.generic');
  if (error instanceof ApiError) text = error.code === 'network' ? t('error.network') : error.message;
  return (
    <p className="alert alert-error" role="alert">
      {text}
    </p>
  );
}

export type SaleState = 'open' | 'soldOut' | 'notOpen' | 'closed' | 'cancelled';

/** saleState tells whether tickets can be bought now, and if not why. */
export function saleState(e: GuichetEvent, now = Date.now()): SaleState {
  if (e.status === 'cancelled') return 'cancelled';
  if (new Date(e.date).getTime() <= now) return 'closed';
  if (e.salesEnd && new Date(e.salesEnd).getTime() <= now) return 'closed';
  if (e.salesStart && new Date(e.salesStart).getTime() > now) return 'notOpen';
  if (e.ticketsRemaining <= 0) return 'soldOut';
  return 'open';
}

/** revenue multiplies in cents so 19.99 × 3 is 59.97, not 59.970000000000006. */
export function revenue(e: GuichetEvent): number {
  return (Math.round(e.price * 100) * e.ticketsSold) / 100;
}
