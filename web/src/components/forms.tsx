// Form building blocks: a labelled field that shows its hint and the API's
// validation message next to it, and the mapping from an API error to them.
import { useId, type ChangeEvent, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { ApiError } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';

export interface FormErrors {
  /** message per field name, as the API's problem `errors` gives them */
  fields: Record<string, string>;
  /** the message for the form as a whole ('' when none) */
  message: string;
}

export const noErrors: FormErrors = { fields: {}, message: '' };

/**
 * formErrors maps an error to what the form shows: the API's per-field
 * messages beside their fields (already in the user's language), the
 * problem's detail or title above the form, and a fixed message for
 * network failures and anything unexpected.
 */
export function formErrors(err: unknown, t: (key: MessageKey) => string, known: readonly string[] = []): FormErrors {
  if (!(err instanceof ApiError)) return { fields: {}, message: t('error.generic') };
  if (err.code === 'network') return { fields: {}, message: t('error.network') };
  const fields: Record<string, string> = {};
  const stray: string[] = [];
  for (const [name, msg] of Object.entries(err.errors)) {
    if (known.length === 0 || known.includes(name)) fields[name] = msg;
    else stray.push(msg);
  }
  if (Object.keys(fields).length > 0) {
    return { fields, message: [t('form.fixErrors'), ...stray].join(' ') };
  }
  return { fields, message: [err.message, ...stray].join(' ') || t('error.generic') };
}

/**
 * textFields binds text inputs to the string properties of a form's state:
 * field(name) gives an InputField its name, value, change handler and the
 * API's message for that name.
 */
export function textFields<T extends object>(form: T, setForm: (next: T) => void, errors: FormErrors) {
  return (name: keyof T & string) => ({
    name,
    value: String(form[name] ?? ''),
    onChange: (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [name]: e.target.value }),
    error: errors.fields[name],
  });
}

interface FieldProps {
  label: string;
  error?: string;
  hint?: string;
  optional?: boolean;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

export function Field({ label, error, hint, optional, children }: FieldProps) {
  const id = useId();
  const { t } = useI18n();
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional"> {t('form.optional')}</span>}
      </label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {children({ id, 'aria-describedby': described || undefined, 'aria-invalid': error ? true : undefined })}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type InputFieldProps = Omit<FieldProps, 'children'> & InputHTMLAttributes<HTMLInputElement>;

export function InputField({ label, error, hint, optional, ...input }: InputFieldProps) {
  return (
    <Field label={label} error={error} hint={hint} optional={optional}>
      {(a11y) => <input {...input} {...a11y} />}
    </Field>
  );
}

type TextareaFieldProps = Omit<FieldProps, 'children'> & TextareaHTMLAttributes<HTMLTextAreaElement>;

export function TextareaField({ label, error, hint, optional, ...input }: TextareaFieldProps) {
  return (
    <Field label={label} error={error} hint={hint} optional={optional}>
      {(a11y) => <textarea {...input} {...a11y} />}
    </Field>
  );
}

type SelectFieldProps = Omit<FieldProps, 'children'> & SelectHTMLAttributes<HTMLSelectElement>;

export function SelectField({ label, error, hint, optional, children, ...select }: SelectFieldProps & { children: ReactNode }) {
  return (
    <Field label={label} error={error} hint={hint} optional={optional}>
      {(a11y) => (
        <select {...select} {...a11y}>
          {children}
        </select>
      )}
    </Field>
  );
}

/** FormMessage is the form-level error or success line, announced to screen readers. */
export function FormMessage({ error, success }: { error?: string; success?: string }) {
  if (error) {
    return (
      <p className="alert alert-error" role="alert">
        {error}
      </p>
    );
  }
  if (success) {
    return (
      <p className="alert alert-success" role="status">
        {success}
      </p>
    );
  }
  return null;
}

/** focusFirstInvalid moves focus to the first field the API refused. */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  const el = form?.querySelector<HTMLElement>('[aria-invalid="true"]');
  el?.focus();
}
