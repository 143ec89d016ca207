// Message catalogs and the language of the UI: the one chosen in the app,
// else the browser's first supported language, else English.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import en, { type MessageKey } from './en';
import fr from './fr';
import type { Language } from '../api/types';

export type { MessageKey };
export const catalogs: Record<Language, Record<MessageKey, string>> = { en, fr };
export const languages: Language[] = ['en', 'fr'];

const storageKey = 'guichet.lang';

export type Vars = Record<string, string | number>;

/** translate fills {name} placeholders of the message key in lang. */
export function translate(lang: Language, key: MessageKey, vars?: Vars): string {
  const text = catalogs[lang][key];
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** detectLanguage picks the stored choice, else the first supported browser language. */
export function detectLanguage(stored: string | null, browser: readonly string[]): Language {
  if (stored === 'en' || stored === 'fr') return stored;
  for (const tag of browser) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'en' || base === 'fr') return base;
  }
  return 'en';
}

export interface I18n {
  lang: Language;
  setLang: (lang: Language) => void;
  t: (key: MessageKey, vars?: Vars) => string;
  date: (iso: string) => string;
  time: (iso: string) => string;
  money: (amount: number, currency: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

function storedLanguage(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export function I18nProvider({ children, initial }: { children: ReactNode; initial?: Language }) {
  const [lang, setLangState] = useState<Language>(
    () => initial ?? detectLanguage(storedLanguage(), typeof navigator === 'undefined' ? [] : navigator.languages),
  );
  const setLang = useCallback((l: Language) => {
    setLangState(l);
    try {
      localStorage.setItem(storageKey, l);
    } catch {
      // private mode: the choice lasts for this page only
    }
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const value = useMemo<I18n>(() => {
    const dateFmt = new Intl.DateTimeFormat(lang, { dateStyle: 'full', timeStyle: 'short' });
    const timeFmt = new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium' });
    return {
      lang,
      setLang,
      t: (key, vars) => translate(lang, key, vars),
      date: (iso) => dateFmt.format(new Date(iso)),
      time: (iso) => timeFmt.format(new Date(iso)),
      money: (amount, currency) => new Intl.NumberFormat(lang, { style: 'currency', currency }).format(amount),
    };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}
