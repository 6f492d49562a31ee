/**
 * The one message catalogue of the pages. English is complete; other languages may leave
 * messages out, which then fall back to English. `{name}` placeholders are filled by `t`.
 */
const en = {
  'login.title': 'Sign in',
  'login.lead': 'to continue to {client}',
  'login.username': 'Username or email',
  'login.password': 'Password',
  'login.remember': 'Remember me on this device',
  'login.submit': 'Sign in',
  'login.cancel': 'Cancel',
  'login.noAccount': 'No account yet?',
  'login.signupLink': 'Create an account',
  'login.missing': 'Enter your username or email and your password.',
  'login.invalid': 'The username or password is incorrect.',
  'login.throttled': 'Too many failed sign-in attempts. Try again in {minutes} minute(s).',
  'login.otherAccount': '{client} asked for a different account. Sign in with that account.',
  'consent.title': 'Allow {client}?',
  'consent.lead': 'Signed in as {user}. {client} is asking to:',
  'consent.allow': 'Allow',
  'consent.deny': 'Deny',
  'consent.remembered': 'Your choice is remembered; you will not be asked again for the same access.',
  'scope.openid': 'Sign you in and know who you are (a stable identifier for your account)',
  'scope.profile': 'Your name and basic profile details',
  'scope.email': 'Your email address',
  'scope.address': 'Your postal address',
  'scope.phone': 'Your phone number',
  'select.title': 'Choose an account',
  'select.lead': 'to continue to {client}',
  'select.use': 'Continue',
  'select.signedInAt': 'signed in {when}',
  'select.another': 'Use another account',
  'signup.title': 'Create your account',
  'signup.lead': 'to continue to {client}',
  'signup.username': 'Username',
  'signup.usernameHint': '3 to 64 letters, digits or . _ - (this is how you sign in)',
  'signup.email': 'Email',
  'signup.givenName': 'First name',
  'signup.familyName': 'Last name',
  'signup.password': 'Password',
  'signup.passwordHint': 'At least 10 characters, not your username or email, and not a common password.',
  'signup.confirm': 'Repeat the password',
  'signup.submit': 'Create account',
  'signup.haveAccount': 'Already have an account?',
  'signup.signinLink': 'Sign in instead',
  'signup.taken': 'That username or email cannot be used. Choose another one, or sign in if this is your account.',
  'signup.badUsername': 'Choose a username of 3 to 64 letters, digits or . _ -',
  'signup.badEmail': 'Enter a valid email address.',
  'signup.badName': 'Enter your first and last name (at most 100 characters each).',
  'signup.mismatch': 'The two passwords are not the same.',
  'signup.weak': 'Choose a stronger password: at least 10 characters, not your username or email, and not a common password.',
  'signup.throttled': 'Too many accounts were created from your network. Try again later.',
  'logout.confirmTitle': 'Sign out?',
  'logout.confirmLead': 'Do you want to sign out of {what}?',
  'logout.everything': 'this sign-in service and every application you signed in to with it',
  'logout.confirmRemembered': 'You asked this device to remember you. Signing out ends that and signs you out of every application you used with this account.',
  'logout.from': '{client} asked to sign you out.',
  'logout.yes': 'Sign out',
  'logout.no': 'Stay signed in',
  'logout.doneTitle': 'You are signed out',
  'logout.doneLead': 'You have been signed out of this sign-in service.',
  'logout.notified': 'Applications being signed out:',
  'logout.returning': 'Returning you to {client}…',
  'logout.returnLink': 'Continue to {client}',
  'logout.stayedTitle': 'You are still signed in',
  'logout.stayedLead': 'Nothing was changed. You can close this page.',
  'account.title': 'Your account',
  'account.lead': 'Signed in as {user}',
  'account.apps': 'Your applications',
  'account.open': 'Open',
  'account.noApps': 'You have not used any application with this account yet.',
  'account.sessions': 'Where you are signed in',
  'account.thisDevice': 'This browser',
  'account.otherDevice': 'Another browser or device',
  'account.since': 'Signed in {when}',
  'account.canSee': 'Can see: {what}',
  'account.remembered': 'remembered',
  'account.access': 'Applications with access',
  'account.revoke': 'Remove access',
  'account.noAccess': 'No application has access to your account.',
  'account.signOutAll': 'Sign out everywhere',
  'account.signedOutTitle': 'You are not signed in',
  'account.signedOutLead': 'Sign in through one of your applications, then come back to this page.',
  'account.revoked': 'Access removed for {client}.',
  'error.return': 'Return to the application you came from and try again. If this keeps happening, contact its support.',
} as const;

export type MessageKey = keyof typeof en;
type Catalogue = Partial<Record<MessageKey, string>>;

const fr: Catalogue = {
  'login.title': 'Connexion',
  'login.lead': 'pour continuer vers {client}',
  'login.username': "Nom d'utilisateur ou e-mail",
  'login.password': 'Mot de passe',
  'login.remember': 'Se souvenir de moi sur cet appareil',
  'login.submit': 'Se connecter',
  'login.cancel': 'Annuler',
  'login.noAccount': 'Pas encore de compte ?',
  'login.signupLink': 'Créer un compte',
  'login.invalid': "Le nom d'utilisateur ou le mot de passe est incorrect.",
  'consent.allow': 'Autoriser',
  'consent.deny': 'Refuser',
  'select.title': 'Choisissez un compte',
  'select.another': 'Utiliser un autre compte',
  'signup.title': 'Créez votre compte',
  'signup.submit': 'Créer le compte',
  'logout.confirmTitle': 'Se déconnecter ?',
  'logout.yes': 'Se déconnecter',
  'logout.no': 'Rester connecté',
  'logout.doneTitle': 'Vous êtes déconnecté',
};

const CATALOGUES: Record<string, Catalogue> = { en, fr };
export const SUPPORTED_LOCALES = Object.keys(CATALOGUES);

/**
 * OIDC Core §3.1.2.1 ui_locales: space-separated BCP47 tags in order of preference. The first one
 * we have (or whose language we have, `fr-CA` -> `fr`) wins; otherwise English.
 */
export function pickLocale(uiLocales: string | undefined): string {
  for (const tag of (uiLocales ?? '').split(' ').filter(Boolean)) {
    const lower = tag.toLowerCase();
    if (CATALOGUES[lower]) return lower;
    const language = lower.split('-')[0]!;
    if (CATALOGUES[language]) return language;
  }
  return 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: string): Translate {
  const catalogue = CATALOGUES[locale] ?? en;
  return (key, vars = {}) => (catalogue[key] ?? en[key]).replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
