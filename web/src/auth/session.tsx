// The session: one API client for the app, the signed-in user, and the way
// back to sign-in when a refresh fails (returning afterwards to the same page).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router-dom';
import { Client, localStore, type TokenStore } from '../api/client';
import type { Language, Role, Tokens, User } from '../api/types';
import { useI18n } from '../i18n';

export interface SignUp {
  username: string;
  email: string;
  password: string;
  language: Language;
  phone?: string;
  role: Role;
}

export interface Session {
  api: Client;
  user: User | null;
  signIn: (login: string, password: string) => Promise<User>;
  signUp: (form: SignUp) => Promise<User>;
  signOut: () => Promise<void>;
  setUser: (user: User) => void;
  /** expired is true after a failed refresh sent the user to sign-in */
  expired: boolean;
}

const SessionContext = createContext<Session | null>(null);

/** signInPath returns the sign-in address that comes back to path. */
export function signInPath(path: string): string {
  return `/signin?next=${encodeURIComponent(path)}`;
}

interface SessionProviderProps {
  children: ReactNode;
  store?: TokenStore;
  /** the API's origin; empty for the page's own (how guichet serve and nginx serve it) */
  apiBase?: string;
}

export function SessionProvider({ children, store = localStore, apiBase = '' }: SessionProviderProps) {
  const { lang } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const langRef = useRef(lang);
  langRef.current = lang;
  const whereRef = useRef(location.pathname + location.search);
  whereRef.current = location.pathname + location.search;
  const navigateRef = useRef(navigate);
  navigateRef.current = navigate;

  const [user, setUserState] = useState<User | null>(() => store.get()?.user ?? null);
  const [expired, setExpired] = useState(false);

  const api = useMemo(
    () =>
      new Client({
        store,
        base: apiBase,
        language: () => langRef.current,
        onTokens: (tokens: Tokens | null) => setUserState(tokens?.user ?? null),
        onAuthLost: () => {
          setExpired(true);
          if (!whereRef.current.startsWith('/signin')) navigateRef.current(signInPath(whereRef.current));
        },
      }),
    [store, apiBase],
  );

  // Follow sign-in and sign-out made in another tab.
  useEffect(() => {
    const onStorage = () => setUserState(store.get()?.user ?? null);
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [store]);

  const signIn = useCallback(
    async (login: string, password: string) => {
      const body = login.includes('@') ? { email: login, password } : { username: login, password };
      const tokens = await api.post<Tokens>('/api/auth/login', body, { auth: false });
      api.setSession(tokens);
      setExpired(false);
      return tokens.user;
    },
    [api],
  );

  const signUp = useCallback(
    async (form: SignUp) => {
      const body: Record<string, string> = {
        username: form.username,
        email: form.email,
        password: form.password,
        language: form.language,
        role: form.role,
      };
      if (form.phone) body.phone = form.phone;
      await api.post<User>('/api/auth/register', body, { auth: false });
      return signIn(form.email, form.password);
    },
    [api, signIn],
  );

  const signOut = useCallback(async () => {
    const tokens = api.tokens;
    api.setSession(null);
    if (tokens) {
      try {
        await api.post('/api/auth/logout', { refreshToken: tokens.refreshToken }, { auth: false });
      } catch {
        // signed out locally either way; the refresh token expires on its own
      }
    }
  }, [api]);

  const setUser = useCallback(
    (u: User) => {
      const tokens = api.tokens;
      if (tokens) api.setSession({ ...tokens, user: u });
    },
    [api],
  );

  const value = useMemo<Session>(
    () => ({ api, user, signIn, signUp, signOut, setUser, expired }),
    [api, user, signIn, signUp, signOut, setUser, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

export function isOrganizer(user: User | null): boolean {
  return user?.role === 'organizer' || user?.role === 'admin';
}
