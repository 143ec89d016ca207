import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import type { GuichetEvent } from '../../api/types';
import { useSession } from '../../auth/session';
import { focusFirstInvalid, formErrors, FormMessage, InputField, noErrors, TextareaField, type FormErrors } from '../../components/forms';
import { usePageTitle } from '../../components/Layout';
import { ErrorLine, Loading } from '../../components/status';
import { useI18n, type MessageKey } from '../../i18n';

/** The form's fields, as text the inputs hold. */
export interface EventDraft {
  title: string;
  description: string;
  date: string;
  address: string;
  ticketCapacity: string;
  price: string;
  currency: string;
  salesStart: string;
  salesEnd: string;
}

const fieldNames = ['title', 'description', 'date', 'address', 'ticketCapacity', 'price', 'currency', 'salesStart', 'salesEnd'] as const;

/** toLocalInput writes an instant as a datetime-local value in the browser's zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** fromLocalInput reads a datetime-local value as an RFC 3339 instant. */
export function fromLocalInput(v: string): string {
  return new Date(v).toISOString();
}

export function draftOf(e: GuichetEvent | null): EventDraft {
  return {
    title: e?.title ?? '',
    description: e?.description ?? '',
    date: toLocalInput(e?.date),
    address: e?.address ?? '',
    ticketCapacity: e ? String(e.ticketCapacity) : '',
    price: e ? String(e.price) : '0',
    currency: e?.currency ?? 'EUR',
    salesStart: toLocalInput(e?.salesStart),
    salesEnd: toLocalInput(e?.salesEnd),
  };
}

/**
 * bodyOf turns the draft into the API body: numbers as numbers, times as
 * RFC 3339; when editing, only the fields that changed.
 */
export function bodyOf(d: EventDraft, original: EventDraft | null): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of fieldNames) {
    const v = d[name].trim();
    if (original && original[name].trim() === v) continue;
    if (v === '' && !original) continue;
    switch (name) {
      case 'ticketCapacity':
      case 'price':
        body[name] = v === '' ? null : Number(v);
        break;
      case 'date':
      case 'salesStart':
      case 'salesEnd':
        body[name] = v === '' ? null : fromLocalInput(v);
        break;
      case 'currency':
        body[name] = v.toUpperCase();
        break;
      default:
        body[name] = v;
    }
  }
  return body;
}

export function EventForm() {
  const { id } = useParams();
  const editing = Boolean(id);
  const { t } = useI18n();
  const { api } = useSession();
  const navigate = useNavigate();
  const formRef = useRef<HTMLFormElement>(null);
  const [original, setOriginal] = useState<GuichetEvent | null>(null);
  const [draft, setDraft] = useState<EventDraft>(draftOf(null));
  const [loadError, setLoadError] = useState<unknown>(null);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  usePageTitle(t(editing ? 'org.editTitle' : 'org.createTitle'));

  useEffect(() => {
    if (!id) return;
    let live = true;
    api.get<GuichetEvent>(`/api/events/${encodeURIComponent(id)}`).then(
      (e) => {
        if (!live) return;
        setOriginal(e);
        setDraft(draftOf(e));
      },
      (err: unknown) => live && setLoadError(err),
    );
    return () => {
      live = false;
    };
  }, [api, id]);

  if (loadError) return <ErrorLine error={loadError} />;
  if (editing && !original) return <Loading />;

  const fail = (err: unknown) => {
    setErrors(formErrors(err, t, fieldNames));
    setBusy(false);
    requestAnimationFrame(() => focusFirstInvalid(formRef.current));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    setErrors(noErrors);
    try {
      if (original) {
        const updated = await api.patch<GuichetEvent>(`/api/events/${original.id}`, bodyOf(draft, draftOf(original)));
        setOriginal(updated);
        setDraft(draftOf(updated));
        setSaved(true);
        setBusy(false);
      } else {
        const created = await api.post<GuichetEvent>('/api/events', bodyOf(draft, null));
        navigate(`/organizer/events/${created.id}`);
      }
    } catch (err) {
      fail(err);
    }
  };

  const cancelEvent = async () => {
    if (!original || !window.confirm(t('org.cancelConfirm'))) return;
    setBusy(true);
    try {
      const updated = await api.patch<GuichetEvent>(`/api/events/${original.id}`, { status: 'cancelled' });
      setOriginal(updated);
      setSaved(true);
      setBusy(false);
    } catch (err) {
      fail(err);
    }
  };

  const deleteEvent = async () => {
    if (!original || !window.confirm(t('org.deleteConfirm'))) return;
    setBusy(true);
    try {
      await api.delete(`/api/events/${original.id}`);
      navigate('/organizer');
    } catch (err) {
      fail(err);
    }
  };

  const field = (name: (typeof fieldNames)[number], label: MessageKey, extra: Record<string, unknown> = {}) => (
    <InputField
      label={t(label)}
      name={name}
      value={draft[name]}
      onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      error={errors.fields[name]}
      {...extra}
    />
  );

  return (
    <section className="narrow">
      <h1>{t(editing ? 'org.editTitle' : 'org.createTitle')}</h1>
      {original?.status === 'cancelled' && <p className="alert alert-info">{t('event.status.cancelled')}</p>}
      <form ref={formRef} onSubmit={submit} noValidate>
        <FormMessage error={errors.message} success={saved ? t('org.saved') : undefined} />
        {field('title', 'org.field.title', { required: true, maxLength: 200 })}
        <TextareaField
          label={t('org.field.description')}
          name="description"
          rows={6}
          required
          value={draft.description}
          onChange={(e) => setDraft({ ...draft, description: e.target.value })}
          error={errors.fields.description}
        />
        {field('date', 'org.field.date', { type: 'datetime-local', required: true })}
        {field('address', 'org.field.address', { required: true, maxLength: 500, autoComplete: 'street-address' })}
        <div className="row">
          {field('ticketCapacity', 'org.field.ticketCapacity', { type: 'number', min: 1, step: 1, inputMode: 'numeric', required: true })}
          {field('price', 'org.field.price', { type: 'number', min: 0, step: '0.01', inputMode: 'decimal' })}
          {field('currency', 'org.field.currency', { maxLength: 3, autoCapitalize: 'characters' })}
        </div>
        <div className="row">
          {field('salesStart', 'org.field.salesStart', { type: 'datetime-local', optional: true })}
          {field('salesEnd', 'org.field.salesEnd', { type: 'datetime-local', optional: true })}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {t(editing ? 'org.save' : 'org.create')}
        </button>
      </form>
      {original && (
        <div className="danger-zone">
          {original.status !== 'cancelled' && (
            <button type="button" className="danger" onClick={cancelEvent} disabled={busy}>
              {t('org.cancelEvent')}
            </button>
          )}
          <button type="button" className="danger secondary" onClick={deleteEvent} disabled={busy}>
            {t('org.delete')}
          </button>
        </div>
      )}
    </section>
  );
}
