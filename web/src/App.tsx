import type { ReactNode } from 'react';
import { Link, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { isOrganizer, SessionProvider, signInPath, useSession } from './auth/session';
import { Layout, usePageTitle } from './components/Layout';
import { useI18n } from './i18n';
import { SignIn, SignUp } from './pages/Auth';
import { CheckInPage } from './pages/CheckIn';
import { Confirmation } from './pages/Confirmation';
import { EventPage } from './pages/EventPage';
import { EventsList } from './pages/EventsList';
import { MyTickets } from './pages/MyTickets';
import { Dashboard } from './pages/organizer/Dashboard';
import { EventForm } from './pages/organizer/EventForm';
import { EventSales } from './pages/organizer/EventSales';
import { Profile } from './pages/Profile';
import { TicketPrint } from './pages/TicketPrint';

/** RequireUser sends a signed-out visitor to sign-in, and back here after. */
function RequireUser({ children, organizer = false }: { children: ReactNode; organizer?: boolean }) {
  const { user } = useSession();
  const location = useLocation();
  if (!user) return <Navigate to={signInPath(location.pathname + location.search)} replace />;
  if (organizer && !isOrganizer(user)) return <NotFound />;
  return <>{children}</>;
}

function NotFound() {
  const { t } = useI18n();
  usePageTitle(t('app.notFound'));
  return (
    <section>
      <h1>{t('app.notFound')}</h1>
      <Link to="/">{t('app.home')}</Link>
    </section>
  );
}

export function AppRoutes() {
  return (
    <Layout>
      <Routes>
        <Route path="/" element={<EventsList />} />
        <Route path="/events/:id" element={<EventPage />} />
        <Route path="/events/:id/confirmation" element={<RequireUser><Confirmation /></RequireUser>} />
        <Route path="/signin" element={<SignIn />} />
        <Route path="/signup" element={<SignUp />} />
        <Route path="/profile" element={<RequireUser><Profile /></RequireUser>} />
        <Route path="/tickets" element={<RequireUser><MyTickets /></RequireUser>} />
        <Route path="/tickets/:uuid/print" element={<RequireUser><TicketPrint /></RequireUser>} />
        <Route path="/organizer" element={<RequireUser organizer><Dashboard /></RequireUser>} />
        <Route path="/organizer/events/new" element={<RequireUser organizer><EventForm /></RequireUser>} />
        <Route path="/organizer/events/:id" element={<RequireUser organizer><EventSales /></RequireUser>} />
        <Route path="/organizer/events/:id/edit" element={<RequireUser organizer><EventForm key="edit" /></RequireUser>} />
        <Route path="/checkin" element={<RequireUser organizer><CheckInPage /></RequireUser>} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  );
}

export function App() {
  return (
    <SessionProvider>
      <AppRoutes />
    </SessionProvider>
  );
}
