// The form that adds a phone or changes one, in a modal dialog: fields "Number", "Name", "Type" and "Visible to",
// buttons "Save" and "Cancel". A refused save shows the service's error next to the field it concerns (aria-invalid,
// aria-describedby) and in the form's role=alert region; nothing typed is ever cleared by an error.
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { asRequestError, type CallOptions, type FormField, type PhoneFields } from '../graph.ts';
import { AUDIENCES, audiencesInWords, DEFAULT_AUDIENCE, PHONE_TYPES, requestErrorInWords, typeInWords, waitingInWords } from '../words.ts';
import { Modal } from './Modal.tsx';

/** The form's values, as typed (strings; '' for a type not set). */
interface Values {
  number: string;
  displayName: string;
  type: string;
  allowedAudiences: string;
}

interface PhoneFormProps {
  /** The dialog's heading: "Add phone" or "Edit <number>". */
  title: string;
  /** The phone being changed; undefined when adding one. */
  initial?: PhoneFields;
  /** Sends the phone; resolves when the service took it (the owner then closes the form). */
  save: (fields: PhoneFields, call: CallOptions) => Promise<void>;
  onCancel: () => void;
  returnFocus: () => HTMLElement | null;
}

const NEW_PHONE: Values = { number: '', displayName: '', type: 'mobile', allowedAudiences: DEFAULT_AUDIENCE };

function valuesOf(fields: PhoneFields | undefined): Values {
  if (!fields) return NEW_PHONE;
  return { number: fields.number, displayName: fields.displayName ?? '', type: fields.type ?? '', allowedAudiences: fields.allowedAudiences };
}

function fieldsOf(values: Values): PhoneFields {
  return {
    number: values.number.trim(),
    displayName: values.displayName.trim() === '' ? null : values.displayName.trim(),
    type: values.type === '' ? null : values.type,
    allowedAudiences: values.allowedAudiences,
  };
}

export function PhoneForm({ title, initial, save, onCancel, returnFocus }: PhoneFormProps) {
  const id = useId();
  const ids = {
    title: `${id}-title`,
    number: `${id}-number`,
    displayName: `${id}-name`,
    type: `${id}-type`,
    allowedAudiences: `${id}-audience`,
  };
  const errorId = (field: FormField) => `${ids[field]}-error`;
  const [values, setValues] = useState<Values>(() => valuesOf(initial));
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<FormField, string>>>({});
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const [waiting, setWaiting] = useState<number | null>(null);
  const inputs = useRef<Partial<Record<FormField, HTMLInputElement | HTMLSelectElement | null>>>({});
  // The field to focus once its error is on screen (aria-invalid and aria-describedby set), so that it is read with it.
  const focusNext = useRef<FormField | null>(null);
  useEffect(() => {
    if (focusNext.current === null) return;
    inputs.current[focusNext.current]?.focus();
    focusNext.current = null;
  });

  // Options a stored phone may have that the lists do not offer: no type, or several audiences at once.
  const initialValues = valuesOf(initial);
  const noType = initial !== undefined && initial.type === null;
  const combined = initial !== undefined && !(AUDIENCES as readonly string[]).includes(initialValues.allowedAudiences);

  const set = (field: keyof Values) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    setValues((v) => ({ ...v, [field]: value }));
  };

  async function submit(e: Event) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setAlert('');
    setFieldErrors({});
    try {
      await save(fieldsOf(values), { onWait: setWaiting });
      // Saved: the owner closes the dialog (and unmounts this form).
    } catch (caught) {
      const err = asRequestError(caught);
      const words = requestErrorInWords(err);
      setBusy(false);
      setWaiting(null);
      setAlert(err.field ? `The phone was not saved. ${words}` : words);
      if (err.field) {
        setFieldErrors({ [err.field]: words });
        focusNext.current = err.field;
      }
    }
  }

  /** The attributes that tie a field to its error message, when it has one. */
  const invalid = (field: FormField) =>
    fieldErrors[field] ? { 'aria-invalid': 'true' as const, 'aria-describedby': errorId(field) } : {};
  const message = (field: FormField) =>
    fieldErrors[field] && (
      <p id={errorId(field)} class="field-error">
        {fieldErrors[field]}
      </p>
    );

  return (
    <Modal labelledBy={ids.title} onClose={onCancel} returnFocus={returnFocus} initialFocus={() => inputs.current.number ?? null}>
      <form class="form" noValidate onSubmit={submit}>
        <h2 id={ids.title}>{title}</h2>
        <div role="alert" class="form-alert">
          {alert && <p>{alert}</p>}
        </div>
        <div class="field">
          <label for={ids.number}>Number</label>
          {message('number')}
          <input
            id={ids.number}
            ref={(el) => {
              inputs.current.number = el;
            }}
            type="text"
            inputMode="tel"
            autocomplete="tel"
            aria-required="true"
            value={values.number}
            onInput={set('number')}
            {...invalid('number')}
          />
        </div>
        <div class="field">
          <label for={ids.displayName}>Name</label>
          {message('displayName')}
          <input
            id={ids.displayName}
            ref={(el) => {
              inputs.current.displayName = el;
            }}
            type="text"
            autocomplete="off"
            value={values.displayName}
            onInput={set('displayName')}
            {...invalid('displayName')}
          />
        </div>
        <div class="field">
          <label for={ids.type}>Type</label>
          {message('type')}
          <select
            id={ids.type}
            ref={(el) => {
              inputs.current.type = el;
            }}
            value={values.type}
            onChange={set('type')}
            {...invalid('type')}
          >
            {noType && <option value="">{typeInWords(null)}</option>}
            {PHONE_TYPES.map((t) => (
              <option key={t} value={t}>
                {typeInWords(t)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={ids.allowedAudiences}>Visible to</label>
          {message('allowedAudiences')}
          <select
            id={ids.allowedAudiences}
            ref={(el) => {
              inputs.current.allowedAudiences = el;
            }}
            value={values.allowedAudiences}
            onChange={set('allowedAudiences')}
            {...invalid('allowedAudiences')}
          >
            {combined && <option value={initialValues.allowedAudiences}>{audiencesInWords(initialValues.allowedAudiences)}</option>}
            {AUDIENCES.map((a) => (
              <option key={a} value={a}>
                {audiencesInWords(a)}
              </option>
            ))}
          </select>
        </div>
        <p role="status" class="form-status">
          {waiting !== null ? waitingInWords(waiting) : busy ? 'Saving…' : ''}
        </p>
        <div class="actions">
          <button type="submit" class="button button-primary" aria-disabled={busy ? 'true' : undefined}>
            Save
          </button>
          <button type="button" class="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
