import { Layout } from './layout';

/** The fields a user edits on their own profile (OIDC Core §5.1), with their current values. */
export interface ProfileView {
  values: Record<string, string>;
  csrf: string;
  notice?: string;
  error?: string;
  lang?: string;
}

export const PROFILE_FIELDS: readonly { name: string; label: string; type?: string; autocomplete?: string; hint?: string }[] = [
  { name: 'given_name', label: 'Given name', autocomplete: 'given-name' },
  { name: 'middle_name', label: 'Middle name', autocomplete: 'additional-name' },
  { name: 'family_name', label: 'Family name', autocomplete: 'family-name' },
  { name: 'name', label: 'Full name', autocomplete: 'name' },
  { name: 'nickname', label: 'Nickname', autocomplete: 'nickname' },
  { name: 'picture', label: 'Picture URL', type: 'url', autocomplete: 'photo' },
  { name: 'website', label: 'Website', type: 'url', autocomplete: 'url' },
  { name: 'locale', label: 'Locale', hint: 'e.g. en-GB', autocomplete: 'language' },
  { name: 'zoneinfo', label: 'Time zone', hint: 'e.g. Europe/London' },
  { name: 'birthdate', label: 'Birthdate', hint: 'YYYY-MM-DD', autocomplete: 'bday' },
  { name: 'phone_number', label: 'Phone number', type: 'tel', hint: 'e.g. +44 20 7946 0000; a new number is unverified', autocomplete: 'tel' },
  { name: 'address.street_address', label: 'Street address', autocomplete: 'street-address' },
  { name: 'address.locality', label: 'City', autocomplete: 'address-level2' },
  { name: 'address.region', label: 'Region', autocomplete: 'address-level1' },
  { name: 'address.postal_code', label: 'Postal code', autocomplete: 'postal-code' },
  { name: 'address.country', label: 'Country', autocomplete: 'country-name' },
];

/** The user's own profile form (no JavaScript; CSRF token bound to the session). */
export function ProfilePage(v: ProfileView) {
  return (
    <Layout title="Your profile" lang={v.lang}>
      <h1>Your profile</h1>
      <p class="lead">What applications you allow may read. Leave a field empty to remove it.</p>
      {v.notice && <p class="notice">{v.notice}</p>}
      {v.error && (
        <p class="alert" role="alert">
          {v.error}
        </p>
      )}
      <form method="post" action="/account/profile">
        <input type="hidden" name="csrf" value={v.csrf} />
        {PROFILE_FIELDS.map((f) => (
          <>
            <label for={f.name}>{f.label}</label>
            <input id={f.name} name={f.name} type={f.type ?? 'text'} value={v.values[f.name] ?? ''} autocomplete={f.autocomplete} maxlength={500} />
            {f.hint && <span class="hint">{f.hint}</span>}
          </>
        ))}
        <div class="actions">
          <button type="submit">Save</button>
          <a class="button secondary" href="/account">
            Back to your account
          </a>
        </div>
      </form>
    </Layout>
  );
}
