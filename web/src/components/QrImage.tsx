// QrImage shows a ticket's QR code. The image needs the bearer token, so it
// is fetched as a blob and shown through an object URL (img-src blob:).
import { useEffect, useState } from 'react';
import { useSession } from '../auth/session';
import { useI18n } from '../i18n';

export function QrImage({ uuid, number, size = 180 }: { uuid: string; number: number; size?: number }) {
  const { api } = useSession();
  const { t } = useI18n();
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let objectUrl: string | null = null;
    let live = true;
    api.blob(`/api/tickets/${encodeURIComponent(uuid)}/qr`).then(
      (blob) => {
        if (!live) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, uuid]);

  if (failed) return <p className="qr qr-missing">{t('tickets.qrError')}</p>;
  if (!url) return <div className="qr qr-loading" style={{ width: size, height: size }} aria-hidden="true" />;
  return <img className="qr" src={url} width={size} height={size} alt={t('tickets.qrAlt', { number })} />;
}
