import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { useSession } from '../auth/session';
import { focusFirstInvalid, formErrors, FormMessage, InputField, noErrors, textFields, type FormErrors } from '../components/forms';
import { usePageTitle } from '../components/Layout';
import { useI18n } from '../i18n';

/** safeNext keeps the return address inside the app. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function SignIn() {
  const { t } = useI18n();
  const { signIn, expired } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  usePageTitle(t('auth.signinTitle'));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(noErrors);
    try {
      await signIn(login.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setErrors(formErrors(err, t, ['email', 'username', 'password']));
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>{t('auth.signinTitle')}</h1>
      {expired && <p className="alert alert-info">{t('error.sessionExpired')}</p>}
      {!expired && params.get('next') && <p className="alert alert-info">{t('auth.needSignin')}</p>}
      <form onSubmit={submit} noValidate>
        <FormMessage error={errors.message} />
        <InputField
          label={t('auth.login')}
          name="login"
          autoComplete="username"
          required
          value={login}
          onChange={(e) => setLogin(e.target.value)}
          error={errors.fields.email ?? errors.fields.username}
        />
        <InputField
          label={t('auth.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
        />
        <button type="submit" className="primary" disabled={busy}>
          {t('auth.submitSignin')}
        </button>
      </form>
      <p>
        {t('auth.noAccount')} <Link to={`/signup${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`}>{t('nav.signup')}</Link>
      </p>
    </section>
  );
}

const signUpFields = ['username', 'email', 'password', 'phone', 'language', 'role'] as const;

export function SignUp() {
  const { t, lang } = useI18n();
  const { signUp } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const formRef = useRef<HTMLFormElement>(null);
  const [form, setForm] = useState({ username: '', email: '', password: '', phone: '', organizer: false });
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(noErrors);
  usePageTitle(t('auth.signupTitle'));
  const field = textFields(form, setForm, errors);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(noErrors);
    try {
      await signUp({
        username: form.username.trim(),
        email: form.email.trim(),
        password: form.password,
        phone: form.phone.trim() || undefined,
        language: lang,
        role: form.organizer ? 'organizer' : 'customer',
      });
      navigate(next, { replace: true });
    } catch (err) {
      setErrors(formErrors(err, t, signUpFields));
      setBusy(false);
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
    }
  };

  return (
    <section className="narrow">
      <h1>{t('auth.signupTitle')}</h1>
      <form ref={formRef} onSubmit={submit} noValidate>
        <FormMessage error={errors.message} />
        <InputField
          label={t('auth.username')}
          hint={t('auth.usernameHint')}
          {...field('username')}
          autoComplete="username"
          required
        />
        <InputField
          label={t('auth.email')}
          {...field('email')}
          type="email"
          autoComplete="email"
          required
        />
        <InputField
          label={t('auth.password')}
          hint={t('auth.passwordHint')}
          {...field('password')}
          type="password"
          autoComplete="new-password"
          required
        />
        <InputField
          label={t('auth.phone')}
          hint={t('auth.phoneHint')}
          optional
          {...field('phone')}
          type="tel"
          autoComplete="tel"
        />
        <div className="field">
          <label className="choice">
            <input type="checkbox" name="organizer" checked={form.organizer} onChange={(e) => setForm({ ...form, organizer: e.target.checked })} />
            {t('auth.organizer')}
          </label>
          {errors.fields.role && <p className="field-error">{errors.fields.role}</p>}
        </div>
        <button type="submit" className="primary" disabled={busy}>
          {t('auth.submitSignup')}
        </button>
      </form>
      <p>
        {t('auth.haveAccount')} <Link to={`/signin${params.get('next') ? `?next=${encodeURIComponent(next)}` : ''}`}>{t('nav.signin')}</Link>
      </p>
    </section>
  );
}
