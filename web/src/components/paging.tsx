// usePaged walks an API list with its cursor: the first page when key
// changes, the next one on demand.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '../api/types';

export interface Paged<T> {
  items: T[];
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  more: () => void;
  reload: () => void;
}

export function usePaged<T>(key: string, load: (cursor: string | null) => Promise<Page<T>>): Paged<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const current = useRef(0);

  const fetchPage = useCallback((from: string | null, replace: boolean) => {
    const call = ++current.current;
    setLoading(true);
    setError(null);
    loadRef.current(from).then(
      (page) => {
        if (call !== current.current) return;
        setItems((old) => (replace ? page.items : [...old, ...page.items]));
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (call !== current.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, []);

  useEffect(() => {
    setItems([]);
    setCursor(null);
    fetchPage(null, true);
  }, [key, generation, fetchPage]);

  return {
    items,
    loading,
    error,
    hasMore: cursor !== null,
    more: () => {
      if (cursor !== null && !loading) fetchPage(cursor, false);
    },
    reload: () => setGeneration((g) => g + 1),
  };
}
