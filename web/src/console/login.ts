// The login page: name and password -> POST /api/v1/auth/login. The server
// sets the session cookie; the page keeps the CSRF token (session.ts).

import { ApiError } from "../api";
import { alertBox, errorText, field, h, input, showAlert } from "./dom";
import { logIn } from "./session";
import type { Page } from "./page";

export function loginPage(onDone: () => void, notice = ""): Page {
  const name = field("User name", input({ type: "text", name: "username", autocomplete: "username", required: true, autocapitalize: "none", spellcheck: "false" }));
  const password = field("Password", input({ type: "password", name: "password", autocomplete: "current-password", required: true }));
  const err = alertBox();
  const submit = h("button", { type: "submit", class: "primary wide", text: "Log in" });
  const form = h("form", { class: "login-form", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title", text: "Log in to vmi" }),
    notice ? h("p", { class: "muted", text: notice }) : null,
    name.wrap, password.wrap, err, submit);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    showAlert(err, "");
    submit.disabled = true;
    void logIn(name.control.value.trim(), password.control.value)
      .then(() => onDone())
      .catch((e) => {
        password.control.value = "";
        const msg = e instanceof ApiError && e.status === 401 ? "Wrong user name or password." : errorText(e);
        showAlert(err, msg);
        password.control.focus();
      })
      .finally(() => (submit.disabled = false));
  });
  const root = h("section", "login", form);
  queueMicrotask(() => name.control.focus());
  return { title: "Log in", root };
}
