import { t } from "../i18n";
import { Link } from "../router";

/** What a URL to nothing shows, also one to something of another installer's. */
export function NotFound() {
  return (
    <section class="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">{t("notFound.title")}</h1>
      <p>{t("notFound.body")}</p>
      <Link href="/">{t("notFound.home")}</Link>
    </section>
  );
}
