import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import type { GuichetEvent } from '../api/types';
import { useSession } from '../auth/session';
import { usePageTitle } from '../components/Layout';
import { usePaged } from '../components/paging';
import { ErrorLine, Loading } from '../components/status';
import { useI18n } from '../i18n';

/** dayStart and dayEnd turn a date input's day into RFC 3339 instants of the local day. */
export function dayStart(day: string): string {
  return new Date(`${day}T00:00:00`).toISOString();
}
export function dayEnd(day: string): string {
  return new Date(`${day}T23:59:59.999`).toISOString();
}

export function EventsList() {
  const { t, date, money } = useI18n();
  const { api } = useSession();
  usePageTitle(t('events.title'));
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const [form, setForm] = useState({ q, from, to });

  const list = usePaged<GuichetEvent>(`${q}|${from}|${to}`, (cursor) =>
    api.page<GuichetEvent>('/api/events', {
      q,
      from: from ? dayStart(from) : new Date().toISOString(),
      to: to ? dayEnd(to) : undefined,
      cursor,
    }),
  );

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (form.q.trim()) next.set('q', form.q.trim());
    if (form.from) next.set('from', form.from);
    if (form.to) next.set('to', form.to);
    setParams(next);
  };
  const clear = () => {
    setForm({ q: '', from: '', to: '' });
    setParams(new URLSearchParams());
  };

  return (
    <section>
      <h1>{t('events.title')}</h1>
      <form className="filters" role="search" onSubmit={apply}>
        <div className="field">
          <label htmlFor="events-q">{t('events.search')}</label>
          <input id="events-q" type="search" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="events-from">{t('events.from')}</label>
          <input id="events-from" type="date" value={form.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="events-to">{t('events.to')}</label>
          <input id="events-to" type="date" value={form.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
        </div>
        <div className="actions">
          <button type="submit">{t('events.apply')}</button>
          <button type="button" className="secondary" onClick={clear}>
            {t('events.clear')}
          </button>
        </div>
      </form>
      <ErrorLine error={list.error} />
      <ul className="cards" aria-busy={list.loading}>
        {list.items.map((e) => (
          <li key={e.id} className="card">
            <h2>
              <Link to={`/events/${e.id}`}>{e.title}</Link>
            </h2>
            <p>{date(e.date)}</p>
            <p>{e.address}</p>
            <p className="meta">
              <span>{e.price > 0 ? money(e.price, e.currency) : t('events.free')}</span>
              <span className={e.status === 'cancelled' || e.ticketsRemaining <= 0 ? 'badge badge-off' : 'badge'}>
                {e.status === 'cancelled'
                  ? t('events.cancelled')
                  : e.ticketsRemaining <= 0
                    ? t('events.soldOut')
                    : t('events.seatsLeft', { count: e.ticketsRemaining })}
              </span>
            </p>
          </li>
        ))}
      </ul>
      {list.loading && <Loading />}
      {!list.loading && !list.error && list.items.length === 0 && <p>{t('events.none')}</p>}
      {list.hasMore && !list.loading && (
        <button type="button" className="secondary" onClick={list.more}>
          {t('events.more')}
        </button>
      )}
    </section>
  );
}
