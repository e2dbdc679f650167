// The phone panel of an instance page: the line (number, network), a dial
// pad that places calls from the instance or rings it from outside, a
// banner for an incoming call with answer/reject, and the SMS thread with a
// form to deliver one from a number. Refreshes every 2 s while shown.

import * as api from "../api";
import { alertBox, busy, button, errorText, h, input, showAlert, when } from "./dom";

export interface PhonePanel {
  root: HTMLElement;
  dispose(): void;
}

export function phonePanel(id: string): PhonePanel {
  const err = alertBox();
  const line = h("p", { class: "muted small", text: "\u2026" });
  const banner = h("div", { class: "call-banner", role: "status", "aria-live": "polite" });
  const number = input({ type: "tel", placeholder: "+15550100001", "aria-label": "Number", inputmode: "tel" });
  const pad = h("div", { class: "dial-pad", role: "group", "aria-label": "Dial pad" },
    ..."123456789+0#".split("").map((k) => button(k, () => { number.value += k; })));
  const callBtn = button("Call from this phone", () => void busy(callBtn, () => place({ to: number.value.trim() })));
  const ringBtn = button("Ring it from this number", () => void busy(ringBtn, () => place({ from: number.value.trim() })));
  const calls = h("ul", { class: "calls", "aria-label": "Calls" });
  const thread = h("ol", { class: "sms-thread", "aria-label": "Messages" });
  const smsFrom = input({ type: "tel", placeholder: "From +4930123456", "aria-label": "SMS sender" });
  const smsText = h("textarea", { rows: 2, maxlength: 4000, "aria-label": "SMS text" });
  const sendBtn = button("Deliver SMS", () => void busy(sendBtn, deliver));

  const root = h("section", { class: "panel phone", "aria-labelledby": `phone-h-${id}` },
    h("h2", { id: `phone-h-${id}`, text: "Phone" }), line, err, banner,
    h("div", "dial", number, pad, h("div", "actions", callBtn, ringBtn)), calls,
    h("h3", { text: "Messages" }), thread, h("div", "sms-form", smsFrom, smsText, sendBtn));

  let timer: number | undefined;
  let disposed = false;

  async function place(body: { to: string } | { from: string }): Promise<void> {
    showAlert(err, "");
    try {
      await api.placeCall(id, body);
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await refresh();
  }

  async function deliver(): Promise<void> {
    showAlert(err, "");
    try {
      await api.deliverSms(id, smsFrom.value.trim(), smsText.value);
      smsText.value = "";
    } catch (e) {
      showAlert(err, errorText(e));
    }
    await refresh();
  }

  function renderCalls(list: api.PhoneCall[]): void {
    const ringing = list.find((c) => c.state === "incoming");
    banner.replaceChildren();
    if (ringing) {
      const answer = button("Answer", () => void busy(answer, async () => { await api.answerCall(id, ringing.id); await refresh(); }));
      const reject = button("Reject", () => void busy(reject, async () => { await api.hangUp(id, ringing.id); await refresh(); }), "danger");
      banner.append(h("strong", { text: `Incoming call from ${ringing.peer}` }), answer, reject);
    }
    calls.replaceChildren(...list.map((c) => {
      const hang = button("Hang up", () => void busy(hang, async () => { await api.hangUp(id, c.id); await refresh(); }), "danger");
      return h("li", {}, `${c.direction === "incoming" ? "\u2190" : "\u2192"} ${c.peer} \u2014 ${c.state} `, hang);
    }));
  }

  async function refresh(): Promise<void> {
    try {
      const [l, sms] = await Promise.all([api.phoneLine(id), api.phoneSms(id)]);
      line.textContent = `${l.number} \u00b7 ${l.attached ? `${l.registration}, ${l.operator}, signal ${l.signal}/31` : "no modem in the guest yet"}`;
      renderCalls(l.calls ?? []);
      thread.replaceChildren(...sms.map((m) => h("li", { class: m.direction === "in" ? "in" : "out" },
        h("span", { class: "muted small", text: `${m.direction === "in" ? "from" : "to"} ${m.peer} \u00b7 ${when(m.time)}` }),
        h("p", { text: m.text }))));
    } catch (e) {
      // The instance is gone (or was never ours): stop asking.
      if (e instanceof api.ApiError && e.status === 404) disposed = true;
      showAlert(err, errorText(e));
    }
    clearTimeout(timer);
    if (!disposed) timer = window.setTimeout(() => void refresh(), 2000);
  }

  void refresh();
  return {
    root,
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
