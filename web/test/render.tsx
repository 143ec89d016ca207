// renderApp mounts the whole app (routes, session, English catalog) at a
// path, talking to a test API server.
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import type { TokenStore } from '../src/api/client';
import { AppRoutes } from '../src/App';
import { SessionProvider } from '../src/auth/session';
import { I18nProvider } from '../src/i18n';
import type { Language } from '../src/api/types';

export function renderApp(path: string, apiBase: string, store: TokenStore, lang: Language = 'en') {
  return render(
    <I18nProvider initial={lang}>
      <MemoryRouter initialEntries={[path]}>
        <SessionProvider store={store} apiBase={apiBase}>
          <AppRoutes />
        </SessionProvider>
      </MemoryRouter>
    </I18nProvider>,
  );
}
