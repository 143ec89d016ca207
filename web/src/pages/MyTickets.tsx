import { Link } from 'react-router-dom';
import type { Ticket } from '../api/types';
import { useSession } from '../auth/session';
import { useEventsById } from '../components/events';
import { usePageTitle } from '../components/Layout';
import { usePaged } from '../components/paging';
import { QrImage } from '../components/QrImage';
import { ErrorLine, Loading } from '../components/status';
import { useI18n, type I18n } from '../i18n';

/** confirmationText says how the ticket's email or SMS is doing. */
export function confirmationText(tk: Ticket, t: I18n['t']): string {
  const channel = t(tk.confirmation.channel === 'sms' ? 'buy.sms' : 'buy.email');
  return t(`tickets.confirmation.${tk.confirmation.status}`, { channel });
}

export function MyTickets() {
  const { t, date, time } = useI18n();
  const { api, user } = useSession();
  usePageTitle(t('tickets.title'));
  const list = usePaged<Ticket>(user?.id ?? '', (cursor) => api.page<Ticket>('/api/tickets', { cursor }));
  const events = useEventsById(list.items.map((tk) => tk.event));

  return (
    <section>
      <h1>{t('tickets.title')}</h1>
      <ErrorLine error={list.error} />
      <ul className="tickets">
        {list.items.map((tk) => {
          const ev = events[tk.event];
          return (
            <li key={tk.uuid} className="card ticket">
              <QrImage uuid={tk.uuid} number={tk.number} />
              <div>
                <h2>{t('tickets.number', { number: tk.number })}</h2>
                {ev && (
                  <p>
                    <Link to={`/events/${ev.id}`}>{ev.title}</Link>
                    <br />
                    {date(ev.date)}
                  </p>
                )}
                <dl className="facts compact">
                  <div>
                    <dt>{t('tickets.status')}</dt>
                    <dd className={`status-${tk.status}`}>{t(`tickets.status.${tk.status}`)}</dd>
                  </div>
                  <div>
                    <dt>{t('tickets.confirmation')}</dt>
                    <dd>{confirmationText(tk, t)}</dd>
                  </div>
                </dl>
                <p className="hint">{t('tickets.bought', { date: date(tk.date) })}</p>
                {tk.checkedInAt && <p className="hint">{t('tickets.checkedIn', { time: time(tk.checkedInAt) })}</p>}
                <Link to={`/tickets/${tk.uuid}/print`}>{t('tickets.print')}</Link>
              </div>
            </li>
          );
        })}
      </ul>
      {list.loading && <Loading />}
      {!list.loading && !list.error && list.items.length === 0 && <p>{t('tickets.none')}</p>}
      {list.hasMore && !list.loading && (
        <button type="button" className="secondary" onClick={list.more}>
          {t('tickets.more')}
        </button>
      )}
    </section>
  );
}
