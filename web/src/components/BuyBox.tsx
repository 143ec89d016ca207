// The buy box: quantity, confirmation channel, one button. Each purchase
// attempt carries an Idempotency-Key: a double click sends one request, and
// pressing buy again after a network failure repeats the same key, so the
// API hands back the same tickets instead of selling new ones. A new key is
// made once the attempt has an answer or the order changes.
import { useRef, useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { ApiError, newIdempotencyKey } from '../api/client';
import type { Channel, GuichetEvent, Ticket } from '../api/types';
import { signInPath, useSession } from '../auth/session';
import { useI18n } from '../i18n';
import { formErrors, FormMessage, noErrors, type FormErrors } from './forms';

export interface Purchase {
  tickets: Ticket[];
  channel: Channel;
}

export function BuyBox({ event, onBought }: { event: GuichetEvent; onBought: (p: Purchase) => void }) {
  const { t, money } = useI18n();
  const { api, user } = useSession();
  const location = useLocation();
  const [quantity, setQuantity] = useState(1);
  const [channel, setChannel] = useState<Channel>('email');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  const inFlight = useRef(false);
  const attemptKey = useRef<string | null>(null);

  if (!user) {
    return (
      <p className="buy-signin">
        <Link className="button" to={signInPath(location.pathname)}>
          {t('buy.signin')}
        </Link>
      </p>
    );
  }

  const max = Math.max(1, Math.min(10, event.ticketsRemaining));
  const changeOrder = (q: number, c: Channel) => {
    attemptKey.current = null;
    setQuantity(q);
    setChannel(c);
  };

  const buy = async (e: FormEvent) => {
    e.preventDefault();
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setErrors(noErrors);
    attemptKey.current ??= newIdempotencyKey();
    try {
      const res = await api.post<{ tickets: Ticket[] }>(
        `/api/events/${event.id}/tickets`,
        { quantity, channel },
        { headers: { 'Idempotency-Key': attemptKey.current } },
      );
      attemptKey.current = null;
      onBought({ tickets: res.tickets, channel });
    } catch (err) {
      if (err instanceof ApiError && err.code === 'network') {
        setErrors({ fields: {}, message: t('buy.retry') });
      } else {
        attemptKey.current = null;
        setErrors(formErrors(err, t, ['quantity', 'channel']));
      }
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  const options = Array.from({ length: max }, (_, i) => i + 1);
  return (
    <form className="buy-box" onSubmit={buy} aria-labelledby="buy-title">
      <h2 id="buy-title">{t('buy.title')}</h2>
      <FormMessage error={errors.message} />
      <div className={errors.fields.quantity ? 'field field-invalid' : 'field'}>
        <label htmlFor="buy-quantity">{t('buy.quantity')}</label>
        <select
          id="buy-quantity"
          value={quantity}
          onChange={(e) => changeOrder(Number(e.target.value), channel)}
          aria-invalid={errors.fields.quantity ? true : undefined}
          aria-describedby={errors.fields.quantity ? 'buy-quantity-error' : undefined}
        >
          {options.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        {errors.fields.quantity && (
          <p className="field-error" id="buy-quantity-error">
            {errors.fields.quantity}
          </p>
        )}
      </div>
      <fieldset
        className={errors.fields.channel ? 'field field-invalid' : 'field'}
        aria-describedby={errors.fields.channel ? 'buy-channel-error' : user.phone ? undefined : 'buy-channel-hint'}
      >
        <legend>{t('buy.channel')}</legend>
        {(['email', 'sms'] as const).map((c) => (
          <label key={c} className="choice">
            <input type="radio" name="channel" value={c} checked={channel === c} onChange={() => changeOrder(quantity, c)} />
            {t(c === 'email' ? 'buy.email' : 'buy.sms')}
          </label>
        ))}
        {!user.phone && (
          <p className="hint" id="buy-channel-hint">
            {t('buy.smsNeedsPhone')}
          </p>
        )}
        {errors.fields.channel && (
          <p className="field-error" id="buy-channel-error">
            {errors.fields.channel}
          </p>
        )}
      </fieldset>
      {event.price > 0 && (
        <p className="total">{t('buy.total', { amount: money((Math.round(event.price * 100) * quantity) / 100, event.currency) })}</p>
      )}
      <button type="submit" className="primary" disabled={busy} aria-disabled={busy}>
        {busy ? t('buy.busy') : quantity === 1 ? t('buy.submitOne') : t('buy.submit', { count: quantity })}
      </button>
    </form>
  );
}
