import { translator, type Translate } from '../messages';
import { Layout } from './layout';

export function ErrorPage(props: { title: string; detail: string; lang?: string; t?: Translate }) {
  const t = props.t ?? translator('en');
  return (
    <Layout title={props.title} lang={props.lang}>
      <h1>{props.title}</h1>
      <p class="alert" role="alert">
        {props.detail}
      </p>
      <p class="muted">{t('error.return')}</p>
    </Layout>
  );
}
