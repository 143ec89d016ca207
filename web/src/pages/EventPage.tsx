import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { GuichetEvent } from '../api/types';
import { useSession } from '../auth/session';
import { BuyBox, type Purchase } from '../components/BuyBox';
import { usePageTitle } from '../components/Layout';
import { ErrorLine, Loading, saleState } from '../components/status';
import { useI18n } from '../i18n';

/** How often the seats left are fetched again while the page is visible. */
export const refreshMs = 15_000;

export function EventPage() {
  const { id = '' } = useParams();
  const { t, date, time, money } = useI18n();
  const { api } = useSession();
  const navigate = useNavigate();
  const [event, setEvent] = useState<GuichetEvent | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [fetchedAt, setFetchedAt] = useState<string>('');
  usePageTitle(event?.title ?? t('app.loading'));

  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<GuichetEvent>(`/api/events/${encodeURIComponent(id)}`).then(
        (e) => {
          if (!live) return;
          setEvent(e);
          setError(null);
          setFetchedAt(new Date().toISOString());
        },
        (err: unknown) => live && setError(err),
      );
    load();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') load();
    }, refreshMs);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [api, id]);

  if (!event) return error ? <ErrorLine error={error} /> : <Loading />;

  const state = saleState(event);
  const onBought = (p: Purchase) => navigate(`/events/${event.id}/confirmation`, { state: { purchase: p, event } });

  return (
    <article className="event">
      <h1>{event.title}</h1>
      <dl className="facts">
        <div>
          <dt>{t('event.date')}</dt>
          <dd>
            <time dateTime={event.date}>{date(event.date)}</time>
          </dd>
        </div>
        <div>
          <dt>{t('event.address')}</dt>
          <dd>{event.address}</dd>
        </div>
        <div>
          <dt>{t('event.price')}</dt>
          <dd>{event.price > 0 ? money(event.price, event.currency) : t('events.free')}</dd>
        </div>
        <div>
          <dt>{t('event.seats')}</dt>
          <dd aria-live="polite" data-testid="seats-left">
            {t('event.seatsOf', { left: event.ticketsRemaining, capacity: event.ticketCapacity })}
          </dd>
        </div>
      </dl>
      {fetchedAt && <p className="hint">{t('event.updated', { time: time(fetchedAt) })}</p>}
      <ErrorLine error={error} />
      <div className="description">
        {event.description.split(/\n{2,}/).map((para, i) => (
          <p key={i}>{para}</p>
        ))}
      </div>
      {state === 'open' ? (
        <BuyBox event={event} onBought={onBought} />
      ) : (
        <p className={`sale-state sale-${state}`} role="status">
          {state === 'soldOut' && t('event.status.soldOut')}
          {state === 'notOpen' && t('event.status.notOpen', { date: date(event.salesStart ?? event.date) })}
          {state === 'closed' && t('event.status.closed')}
          {state === 'cancelled' && t('event.status.cancelled')}
        </p>
      )}
    </article>
  );
}
