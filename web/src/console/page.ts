// What every console page is: a root element and what to release when the
// router moves away (timers, event subscriptions, the live view).
export interface Page {
  title: string;
  root: HTMLElement;
  dispose?: () => void;
}
