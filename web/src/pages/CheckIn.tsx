// Door check-in: staff paste, type or scan a ticket code; the answer shows
// large and colour-coded (green valid, amber already checked in with the
// time, red invalid), announced to screen readers, and the field is ready
// for the next ticket.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import type { Ticket } from '../api/types';
import { useSession } from '../auth/session';
import { usePageTitle } from '../components/Layout';
import { useI18n } from '../i18n';

export type CheckIn =
  | { kind: 'valid'; ticket: Ticket }
  | { kind: 'already'; checkedInAt?: string; detail: string }
  | { kind: 'invalid'; detail: string }
  | { kind: 'forbidden'; detail: string }
  | { kind: 'error'; error: unknown };

/** verifyCode asks the API about code and classifies the answer. */
export async function verifyCode(post: (code: string) => Promise<{ valid: boolean; ticket: Ticket }>, code: string): Promise<CheckIn> {
  try {
    const res = await post(code);
    return { kind: 'valid', ticket: res.ticket };
  } catch (err) {
    if (!(err instanceof ApiError)) return { kind: 'error', error: err };
    const p = err.problem;
    switch (err.code) {
      case 'already_checked_in': {
        const nested = (p.ticket as Partial<Ticket> | undefined)?.checkedInAt;
        const at = typeof p.checkedInAt === 'string' ? p.checkedInAt : nested;
        return { kind: 'already', checkedInAt: at, detail: err.message };
      }
      case 'invalid_ticket':
      case 'not_found':
      case 'validation_failed':
        return { kind: 'invalid', detail: err.message };
      case 'forbidden':
        return { kind: 'forbidden', detail: err.message };
      default:
        return { kind: 'error', error: err };
    }
  }
}

export function CheckInResult({ result }: { result: CheckIn }) {
  const { t, time } = useI18n();
  switch (result.kind) {
    case 'valid':
      return (
        <div className="checkin-result checkin-valid" data-result="valid">
          <p className="checkin-big">✔ {t('checkin.valid')}</p>
          <p>{t('checkin.validTicket', { number: result.ticket.number })}</p>
        </div>
      );
    case 'already':
      return (
        <div className="checkin-result checkin-already" data-result="already">
          <p className="checkin-big">⚠ {t('checkin.already')}</p>
          <p>{result.checkedInAt ? t('checkin.alreadyAt', { time: time(result.checkedInAt) }) : result.detail}</p>
        </div>
      );
    case 'invalid':
    case 'forbidden':
      return (
        <div className="checkin-result checkin-invalid" data-result="invalid">
          <p className="checkin-big">✖ {t('checkin.invalid')}</p>
          <p>{result.kind === 'forbidden' ? t('checkin.forbidden') : result.detail}</p>
        </div>
      );
    case 'error': {
      const e = result.error;
      const text = e instanceof ApiError && e.code !== 'network' ? e.message : t(e instanceof ApiError ? 'error.network' : 'error.generic');
      return (
        <div className="checkin-result checkin-error" data-result="error">
          <p>{text}</p>
        </div>
      );
    }
  }
}

interface Scanner {
  stop: () => void;
}

export function CheckInPage() {
  const { t } = useI18n();
  const { api } = useSession();
  usePageTitle(t('checkin.title'));
  const [code, setCode] = useState('');
  const [result, setResult] = useState<CheckIn | null>(null);
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [cameraError, setCameraError] = useState(false);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const scanner = useRef<Scanner | null>(null);
  const canScan = typeof navigator !== 'undefined' && Boolean(navigator.mediaDevices?.getUserMedia);

  const check = async (value: string) => {
    const c = value.trim();
    if (!c || busy) return;
    setBusy(true);
    setResult(await verifyCode((body) => api.post('/api/tickets/verify', { code: body }), c));
    setBusy(false);
    setCode('');
    inputRef.current?.focus();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void check(code);
  };

  const stopScan = () => {
    scanner.current?.stop();
    scanner.current = null;
    setScanning(false);
  };

  const startScan = async () => {
    setCameraError(false);
    setScanning(true);
    try {
      const { BrowserQRCodeReader } = await import('@zxing/browser');
      const reader = new BrowserQRCodeReader();
      if (!videoRef.current) return;
      scanner.current = await reader.decodeFromVideoDevice(undefined, videoRef.current, (res) => {
        if (!res) return;
        stopScan();
        void check(res.getText());
      });
    } catch {
      setCameraError(true);
      stopScan();
    }
  };

  useEffect(() => () => scanner.current?.stop(), []);

  return (
    <section className="narrow">
      <h1>{t('checkin.title')}</h1>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor="checkin-code">{t('checkin.code')}</label>
          <p className="hint" id="checkin-hint">
            {t('checkin.codeHint')}
          </p>
          <textarea
            id="checkin-code"
            ref={inputRef}
            rows={3}
            value={code}
            autoFocus
            autoComplete="off"
            spellCheck={false}
            aria-describedby="checkin-hint"
            onChange={(e) => setCode(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                void check(code);
              }
            }}
          />
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t('checkin.submit')}
          </button>
          {canScan &&
            (scanning ? (
              <button type="button" className="secondary" onClick={stopScan}>
                {t('checkin.stopScan')}
              </button>
            ) : (
              <button type="button" className="secondary" onClick={startScan}>
                {t('checkin.scan')}
              </button>
            ))}
        </div>
      </form>
      {cameraError && (
        <p className="alert alert-error" role="alert">
          {t('checkin.cameraError')}
        </p>
      )}
      <video ref={videoRef} className={scanning ? 'scanner' : 'scanner hidden'} aria-label={t('checkin.video')} muted playsInline />
      <div role="status" aria-live="assertive" aria-atomic="true">
        {result && <CheckInResult result={result} />}
      </div>
    </section>
  );
}
