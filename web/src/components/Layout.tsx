// The frame of every page: skip link, navigation, language switch, and focus
// moved to the page's heading after each navigation (for keyboard and
// screen-reader users).
import { useEffect, useRef, type ReactNode } from 'react';
import { Link, NavLink, useLocation, useNavigate } from 'react-router-dom';
import type { Language } from '../api/types';
import { isOrganizer, useSession } from '../auth/session';
import { languages, useI18n } from '../i18n';

export function Layout({ children }: { children: ReactNode }) {
  const { t, lang, setLang } = useI18n();
  const { user, signOut } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = mainRef.current?.querySelector<HTMLElement>('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }, [location.pathname]);

  const onSignOut = async () => {
    await signOut();
    navigate('/');
  };

  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="site-header">
        <Link to="/" className="brand">
          {t('app.name')}
        </Link>
        <nav aria-label={t('nav.main')}>
          <ul>
            <li>
              <NavLink to="/" end>
                {t('nav.events')}
              </NavLink>
            </li>
            {user && (
              <li>
                <NavLink to="/tickets">{t('nav.tickets')}</NavLink>
              </li>
            )}
            {isOrganizer(user) && (
              <>
                <li>
                  <NavLink to="/organizer">{t('nav.organizer')}</NavLink>
                </li>
                <li>
                  <NavLink to="/checkin">{t('nav.checkin')}</NavLink>
                </li>
              </>
            )}
            {user ? (
              <>
                <li>
                  <NavLink to="/profile">{t('nav.profile')}</NavLink>
                </li>
                <li>
                  <button type="button" className="link-button" onClick={onSignOut}>
                    {t('nav.signout')}
                  </button>
                </li>
              </>
            ) : (
              <>
                <li>
                  <NavLink to="/signin">{t('nav.signin')}</NavLink>
                </li>
                <li>
                  <NavLink to="/signup">{t('nav.signup')}</NavLink>
                </li>
              </>
            )}
          </ul>
        </nav>
        <label className="lang-switch">
          <span className="visually-hidden">{t('app.language')}</span>
          <select value={lang} onChange={(e) => setLang(e.target.value as Language)} aria-label={t('app.language')}>
            {languages.map((l) => (
              <option key={l} value={l} lang={l}>
                {t(`lang.${l}`)}
              </option>
            ))}
          </select>
        </label>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        {children}
      </main>
      <footer className="site-footer">{t('app.footer')}</footer>
    </>
  );
}

/** usePageTitle names the browser tab after the page. */
export function usePageTitle(title: string): void {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${title} · ${t('app.name')}`;
  }, [title, t]);
}
