// The frame of the pages shown without a portal session (sign in, forgot password, the
// emailed links' password page): a centred box with its heading and the language switch.
import type { ComponentChildren } from "preact";
import { LanguageSwitch } from "./LanguageSwitch";

export function LoginBox(props: { title: string; children: ComponentChildren }) {
  return (
    <main id="main" class="login">
      <div class="login-box">
        <div class="login-head">
          <h1>{props.title}</h1>
          <LanguageSwitch />
        </div>
        {props.children}
      </div>
    </main>
  );
}
