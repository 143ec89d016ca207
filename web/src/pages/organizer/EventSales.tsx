import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import type { GuichetEvent, Ticket } from '../../api/types';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/Layout';
import { usePaged } from '../../components/paging';
import { ErrorLine, Loading, revenue } from '../../components/status';
import { useI18n } from '../../i18n';
import { confirmationText } from '../MyTickets';

/** How often the sales figures are read again while the page is open. */
export const salesRefreshMs = 5000;

export function EventSales() {
  const { id = '' } = useParams();
  const { t, date, time, money } = useI18n();
  const { api } = useSession();
  const [event, setEvent] = useState<GuichetEvent | null>(null);
  const [error, setError] = useState<unknown>(null);
  usePageTitle(event?.title ?? t('org.sales'));
  const tickets = usePaged<Ticket>(id, (cursor) => api.page<Ticket>(`/api/events/${encodeURIComponent(id)}/tickets`, { cursor }));

  // The figures follow the sales: read now, then every few seconds while the
  // page is open (an organizer watches an on-sale here).
  useEffect(() => {
    let live = true;
    // A failed refresh keeps the figures shown; only a failed first read
    // replaces them with the error.
    const load = (first: boolean) =>
      api.get<GuichetEvent>(`/api/events/${encodeURIComponent(id)}`).then(
        (e) => live && setEvent(e),
        (err: unknown) => live && first && setError(err),
      );
    void load(true);
    const timer = setInterval(() => void load(false), salesRefreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api, id]);

  if (error) return <ErrorLine error={error} />;
  if (!event) return <Loading />;
  return (
    <section>
      <div className="page-head">
        <h1>{event.title}</h1>
        <Link className="button" to={`/organizer/events/${event.id}/edit`}>
          {t('org.edit')}
        </Link>
      </div>
      <p>
        {date(event.date)} · {event.address}
        {event.status === 'cancelled' && <span className="badge badge-off">{t('events.cancelled')}</span>}
      </p>
      <dl className="figures big" aria-label={t('org.sales')}>
        <div>
          <dt>{t('org.sold')}</dt>
          <dd data-testid="sold">{event.ticketsSold}</dd>
        </div>
        <div>
          <dt>{t('org.remaining')}</dt>
          <dd data-testid="remaining">{event.ticketsRemaining}</dd>
        </div>
        <div>
          <dt>{t('org.capacity')}</dt>
          <dd>{event.ticketCapacity}</dd>
        </div>
        <div>
          <dt>{t('org.revenue')}</dt>
          <dd data-testid="revenue">{money(revenue(event), event.currency)}</dd>
        </div>
      </dl>
      <h2>{t('org.ticketsTitle')}</h2>
      <ErrorLine error={tickets.error} />
      {tickets.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('org.col.number')}</th>
                <th scope="col">{t('org.col.status')}</th>
                <th scope="col">{t('org.col.bought')}</th>
                <th scope="col">{t('org.col.checkedIn')}</th>
                <th scope="col">{t('org.col.confirmation')}</th>
              </tr>
            </thead>
            <tbody>
              {tickets.items.map((tk) => (
                <tr key={tk.uuid}>
                  <td>{tk.number}</td>
                  <td className={`status-${tk.status}`}>{t(`tickets.status.${tk.status}`)}</td>
                  <td>{time(tk.date)}</td>
                  <td>{tk.checkedInAt ? time(tk.checkedInAt) : '–'}</td>
                  <td>{confirmationText(tk, t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {tickets.loading && <Loading />}
      {!tickets.loading && !tickets.error && tickets.items.length === 0 && <p>{t('org.noTickets')}</p>}
      {tickets.hasMore && !tickets.loading && (
        <button type="button" className="secondary" onClick={tickets.more}>
          {t('org.more')}
        </button>
      )}
    </section>
  );
}
