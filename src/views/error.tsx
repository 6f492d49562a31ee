import { Layout } from './layout';

export function ErrorPage(props: { title: string; detail: string }) {
  return (
    <Layout title={props.title}>
      <h1>{props.title}</h1>
      <p class="alert" role="alert">
        {props.detail}
      </p>
      <p class="muted">Return to the application you came from and try again. If this keeps happening, contact its support.</p>
    </Layout>
  );
}
