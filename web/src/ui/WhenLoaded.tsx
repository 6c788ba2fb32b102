// A form that starts from saved values: load them, show the load's problem with a retry,
// and only then render the form, so its state starts from what the server holds.
import type { ComponentChildren } from "preact";
import { LoadProblem } from "./LoadProblem";
import { useLoad } from "./useLoad";

export function WhenLoaded<T>(props: { load: () => Promise<T>; children: (data: T) => ComponentChildren }) {
  const loaded = useLoad(props.load, []);
  if (loaded.error) return <LoadProblem problem={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return null;
  return <>{props.children(loaded.data)}</>;
}
