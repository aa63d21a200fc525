// A list of phones: each one's number as a tel: link, its name, type and who can see it in plain words, and (on the
// person's own list) Edit and Delete buttons whose accessible names carry the number ("Edit +1 425 555 0100").
import type { Phone } from '../graph.ts';
import { audiencesInWords, telHref, typeInWords } from '../words.ts';

interface PhoneListProps {
  phones: readonly Phone[];
  /** Given on the person's own list only; a colleague's list is read-only. */
  onEdit?: (phone: Phone, button: HTMLButtonElement) => void;
  onDelete?: (phone: Phone, button: HTMLButtonElement) => void;
  /** The id of the heading that names the list. */
  labelledBy: string;
}

export function PhoneList({ phones, onEdit, onDelete, labelledBy }: PhoneListProps) {
  return (
    <ul class="phones" aria-labelledby={labelledBy}>
      {phones.map((phone) => (
        <li key={phone.id} class="phone">
          <PhoneNumber number={phone.number} />
          <p class="phone-name">{phone.displayName || <span class="muted">No name</span>}</p>
          <dl class="phone-facts">
            <div>
              <dt>Type</dt>
              <dd>{typeInWords(phone.type)}</dd>
            </div>
            <div>
              <dt>Visible to</dt>
              <dd>{audiencesInWords(phone.allowedAudiences)}</dd>
            </div>
          </dl>
          {(onEdit || onDelete) && (
            <div class="actions">
              {onEdit && (
                <button type="button" class="button" onClick={(e) => onEdit(phone, e.currentTarget)}>
                  Edit<span class="visually-hidden"> {phone.number}</span>
                </button>
              )}
              {onDelete && (
                <button type="button" class="button button-danger" onClick={(e) => onDelete(phone, e.currentTarget)}>
                  Delete<span class="visually-hidden"> {phone.number}</span>
                </button>
              )}
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}

function PhoneNumber({ number }: { number: string }) {
  const href = telHref(number);
  return <p class="phone-number">{href ? <a href={href}>{number}</a> : number}</p>;
}
