// useEventsById fetches the events that a list of tickets names, each once.
import { useEffect, useState } from 'react';
import type { GuichetEvent } from '../api/types';
import { useSession } from '../auth/session';

export function useEventsById(ids: string[]): Record<string, GuichetEvent> {
  const { api } = useSession();
  const [events, setEvents] = useState<Record<string, GuichetEvent>>({});
  const wanted = [...new Set(ids)].filter((id) => !(id in events)).join(',');
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    for (const id of wanted.split(',')) {
      api.get<GuichetEvent>(`/api/events/${encodeURIComponent(id)}`).then(
        (e) => live && setEvents((old) => ({ ...old, [id]: e })),
        () => undefined,
      );
    }
    return () => {
      live = false;
    };
  }, [api, wanted]);
  return events;
}
