import { Link, useSearchParams } from 'react-router-dom';
import type { GuichetEvent } from '../../api/types';
import { useSession } from '../../auth/session';
import { usePageTitle } from '../../components/Layout';
import { usePaged } from '../../components/paging';
import { ErrorLine, Loading, revenue } from '../../components/status';
import { useI18n } from '../../i18n';

const filters = ['all', 'scheduled', 'cancelled'] as const;
type Filter = (typeof filters)[number];

export function Dashboard() {
  const { t, date, money } = useI18n();
  const { api, user } = useSession();
  usePageTitle(t('org.title'));
  const [params, setParams] = useSearchParams();
  const raw = params.get('status');
  const status: Filter = raw === 'scheduled' || raw === 'cancelled' ? raw : 'all';
  const list = usePaged<GuichetEvent>(`${user?.id}|${status}`, (cursor) =>
    api.page<GuichetEvent>('/api/events', {
      organizerId: user?.id,
      status: status === 'all' ? undefined : status,
      cursor,
    }),
  );

  return (
    <section>
      <div className="page-head">
        <h1>{t('org.title')}</h1>
        <Link className="button primary" to="/organizer/events/new">
          {t('org.new')}
        </Link>
      </div>
      <div className="field inline">
        <label htmlFor="org-filter">{t('org.filter')}</label>
        <select
          id="org-filter"
          value={status}
          onChange={(e) => setParams(e.target.value === 'all' ? {} : { status: e.target.value })}
        >
          {filters.map((f) => (
            <option key={f} value={f}>
              {t(`org.filter.${f}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorLine error={list.error} />
      <ul className="cards">
        {list.items.map((e) => (
          <li key={e.id} className="card">
            <h2>
              <Link to={`/organizer/events/${e.id}`}>{e.title}</Link>
              {e.status === 'cancelled' && <span className="badge badge-off">{t('events.cancelled')}</span>}
            </h2>
            <p>{date(e.date)}</p>
            <dl className="figures">
              <div>
                <dt>{t('org.sold')}</dt>
                <dd>{e.ticketsSold}</dd>
              </div>
              <div>
                <dt>{t('org.remaining')}</dt>
                <dd>{e.ticketsRemaining}</dd>
              </div>
              <div>
                <dt>{t('org.revenue')}</dt>
                <dd>{money(revenue(e), e.currency)}</dd>
              </div>
            </dl>
            <p className="actions">
              <Link to={`/organizer/events/${e.id}`}>{t('org.sales')}</Link>
              <Link to={`/organizer/events/${e.id}/edit`}>{t('org.edit')}</Link>
            </p>
          </li>
        ))}
      </ul>
      {list.loading && <Loading />}
      {!list.loading && !list.error && list.items.length === 0 && <p>{t('org.none')}</p>}
      {list.hasMore && !list.loading && (
        <button type="button" className="secondary" onClick={list.more}>
          {t('org.more')}
        </button>
      )}
    </section>
  );
}
