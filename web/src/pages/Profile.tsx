import { useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import type { Language, User } from '../api/types';
import { useSession } from '../auth/session';
import { focusFirstInvalid, formErrors, FormMessage, InputField, noErrors, SelectField, textFields, type FormErrors } from '../components/forms';
import { usePageTitle } from '../components/Layout';
import { languages, useI18n } from '../i18n';

export function Profile() {
  const { t, setLang } = useI18n();
  const { api, user, setUser } = useSession();
  usePageTitle(t('profile.title'));
  const [details, setDetails] = useState({ language: user?.language ?? 'en', phone: user?.phone ?? '' });
  const [detailsErrors, setDetailsErrors] = useState<FormErrors>(noErrors);
  const [detailsSaved, setDetailsSaved] = useState(false);
  const [pw, setPw] = useState({ currentPassword: '', password: '', confirm: '' });
  const [pwErrors, setPwErrors] = useState<FormErrors>(noErrors);
  const [pwSaved, setPwSaved] = useState(false);
  const detailsRef = useRef<HTMLFormElement>(null);
  const pwRef = useRef<HTMLFormElement>(null);
  if (!user) return null;
  const detailsField = textFields(details, setDetails, detailsErrors);
  const pwField = textFields(pw, setPw, pwErrors);

  const saveDetails = async (e: FormEvent) => {
    e.preventDefault();
    setDetailsErrors(noErrors);
    setDetailsSaved(false);
    const body: Record<string, string> = { language: details.language };
    if (details.phone.trim() !== (user.phone ?? '')) body.phone = details.phone.trim();
    try {
      const updated = await api.patch<User>(`/api/users/${user.id}`, body);
      setUser(updated);
      setLang(updated.language);
      setDetailsSaved(true);
    } catch (err) {
      setDetailsErrors(formErrors(err, t, ['language', 'phone']));
      requestAnimationFrame(() => focusFirstInvalid(detailsRef.current));
    }
  };

  const changePassword = async (e: FormEvent) => {
    e.preventDefault();
    setPwErrors(noErrors);
    setPwSaved(false);
    if (pw.password !== pw.confirm) {
      setPwErrors({ fields: { confirm: t('profile.mismatch') }, message: t('form.fixErrors') });
      requestAnimationFrame(() => focusFirstInvalid(pwRef.current));
      return;
    }
    try {
      await api.patch<User>(`/api/users/${user.id}`, { password: pw.password, currentPassword: pw.currentPassword });
      setPw({ currentPassword: '', password: '', confirm: '' });
      setPwSaved(true);
    } catch (err) {
      // A wrong current password is a 403: show it beside that field.
      const wrongCurrent = err instanceof ApiError && err.status === 403;
      setPwErrors(
        wrongCurrent
          ? { fields: { currentPassword: err.message }, message: t('form.fixErrors') }
          : formErrors(err, t, ['password', 'currentPassword']),
      );
      requestAnimationFrame(() => focusFirstInvalid(pwRef.current));
    }
  };

  return (
    <section className="narrow">
      <h1>{t('profile.title')}</h1>
      <p>
        <strong>{user.username}</strong> · {user.email}
      </p>
      <p>{t('profile.role', { role: t(`role.${user.role}`) })}</p>
      <form ref={detailsRef} onSubmit={saveDetails} noValidate aria-labelledby="profile-details">
        <h2 id="profile-details">{t('profile.details')}</h2>
        <FormMessage error={detailsErrors.message} success={detailsSaved ? t('profile.saved') : undefined} />
        <SelectField
          label={t('profile.language')}
          name="language"
          value={details.language}
          onChange={(e) => setDetails({ ...details, language: e.target.value as Language })}
          error={detailsErrors.fields.language}
        >
          {languages.map((l) => (
            <option key={l} value={l} lang={l}>
              {t(`lang.${l}`)}
            </option>
          ))}
        </SelectField>
        <InputField
          label={t('auth.phone')}
          hint={t('auth.phoneHint')}
          optional
          {...detailsField('phone')}
          type="tel"
          autoComplete="tel"
        />
        <button type="submit" className="primary">
          {t('profile.save')}
        </button>
      </form>
      <form ref={pwRef} onSubmit={changePassword} noValidate aria-labelledby="profile-password">
        <h2 id="profile-password">{t('profile.passwordTitle')}</h2>
        <FormMessage error={pwErrors.message} success={pwSaved ? t('profile.passwordChanged') : undefined} />
        <InputField
          label={t('profile.currentPassword')}
          {...pwField('currentPassword')}
          type="password"
          autoComplete="current-password"
          required
        />
        <InputField
          label={t('profile.newPassword')}
          hint={t('auth.passwordHint')}
          {...pwField('password')}
          type="password"
          autoComplete="new-password"
          required
        />
        <InputField
          label={t('profile.confirmPassword')}
          {...pwField('confirm')}
          type="password"
          autoComplete="new-password"
          required
        />
        <button type="submit" className="primary">
          {t('profile.changePassword')}
        </button>
      </form>
    </section>
  );
}
