import { render } from "preact";
import { App } from "./App";
import { preferredLanguage, switchLanguage } from "./i18n";
import "./styles.css";

const root = document.getElementById("app");
if (root) {
  void switchLanguage(preferredLanguage()).finally(() => render(<App />, root));
}
