// An image whose bytes come from an API call (a face photo, a captured image): shown from
// an object URL, released when the image goes.
import { useEffect } from "preact/hooks";
import { t } from "../i18n";
import { useLoad } from "./useLoad";

export interface ImageFile {
  contentType: string;
  data: Uint8Array;
}

/** Loads `fetch()` once per `id` and shows it with `alt`. */
export function FetchedImage(props: { id: string; fetch: () => Promise<ImageFile>; alt: string; class?: string }) {
  const image = useLoad(async () => {
    const file = await props.fetch();
    return URL.createObjectURL(new Blob([file.data as BlobPart], { type: file.contentType }));
  }, [props.id]);
  useEffect(() => () => void (image.data && URL.revokeObjectURL(image.data)), [image.data]);
  if (image.error) return <p class="field-error">{image.error.message}</p>;
  if (!image.data) return <p aria-busy="true">{t("app.loading")}</p>;
  return <img class={props.class} src={image.data} alt={props.alt} />;
}
