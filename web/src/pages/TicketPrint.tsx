import { useEffect, useState } from 'react';
import { useParams } from 'react-router-dom';
import type { GuichetEvent, Ticket } from '../api/types';
import { useSession } from '../auth/session';
import { usePageTitle } from '../components/Layout';
import { QrImage } from '../components/QrImage';
import { ErrorLine, Loading } from '../components/status';
import { useI18n } from '../i18n';

export function TicketPrint() {
  const { uuid = '' } = useParams();
  const { t, date, money } = useI18n();
  const { api, user } = useSession();
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [event, setEvent] = useState<GuichetEvent | null>(null);
  const [error, setError] = useState<unknown>(null);
  usePageTitle(ticket ? t('tickets.number', { number: ticket.number }) : t('tickets.print'));

  useEffect(() => {
    let live = true;
    api
      .get<Ticket>(`/api/tickets/${encodeURIComponent(uuid)}`)
      .then(async (tk) => {
        if (!live) return;
        setTicket(tk);
        const ev = await api.get<GuichetEvent>(`/api/events/${encodeURIComponent(tk.event)}`);
        if (live) setEvent(ev);
      })
      .catch((err: unknown) => live && setError(err));
    return () => {
      live = false;
    };
  }, [api, uuid]);

  if (error) return <ErrorLine error={error} />;
  if (!ticket) return <Loading />;
  return (
    <article className="printable">
      <h1>{event?.title ?? t('tickets.number', { number: ticket.number })}</h1>
      {event && (
        <p>
          {date(event.date)}
          <br />
          {event.address}
        </p>
      )}
      <QrImage uuid={ticket.uuid} number={ticket.number} size={280} />
      <p className="ticket-number">{t('tickets.number', { number: ticket.number })}</p>
      <p>
        {user?.username} · {ticket.price > 0 ? money(ticket.price, ticket.currency) : t('events.free')}
      </p>
      <p className="code">{ticket.code}</p>
      <button type="button" className="primary no-print" onClick={() => window.print()}>
        {t('tickets.printNow')}
      </button>
    </article>
  );
}
