import { Link, useLocation } from 'react-router-dom';
import type { GuichetEvent } from '../api/types';
import type { Purchase } from '../components/BuyBox';
import { usePageTitle } from '../components/Layout';
import { useI18n } from '../i18n';

export function Confirmation() {
  const { t, date } = useI18n();
  const state = useLocation().state as { purchase?: Purchase; event?: GuichetEvent } | null;
  usePageTitle(t('confirm.title'));
  if (!state?.purchase || !state.event) {
    return (
      <section>
        <h1>{t('confirm.title')}</h1>
        <p>{t('confirm.missing')}</p>
        <Link to="/tickets">{t('confirm.myTickets')}</Link>
      </section>
    );
  }
  const { purchase, event } = state;
  return (
    <section>
      <h1>{t('confirm.title')}</h1>
      <p>
        <strong>{event.title}</strong> · {date(event.date)}
      </p>
      <ul className="ticket-numbers">
        {purchase.tickets.map((tk) => (
          <li key={tk.uuid}>{t('confirm.ticket', { number: tk.number })}</li>
        ))}
      </ul>
      <p className="alert alert-success" role="status">
        {purchase.channel === 'sms' ? t('confirm.onTheWaySms') : t('confirm.onTheWayEmail')}
      </p>
      <Link className="button" to="/tickets">
        {t('confirm.myTickets')}
      </Link>
    </section>
  );
}
