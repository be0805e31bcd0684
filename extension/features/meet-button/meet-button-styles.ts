/**
 * Styles of the injected button, inside its shadow root. WXT resets the host with `all: initial !important`
 * first; these `:host` rules come after it and are `!important` too, and inside a shadow tree important
 * declarations beat the page's (even the page's `!important` ones), so page CSS cannot hide or restyle the button.
 * Sizes are in px: `rem` would follow the page's root font size.
 */
export const MEET_BUTTON_CSS = `
:host {
  display: inline-flex !important;
  vertical-align: middle !important;
  margin-inline-start: 8px !important;
  visibility: visible !important;
  opacity: 1 !important;
  position: static !important;
}
.ssm-root {
  display: inline-flex;
  align-items: center;
  flex-wrap: wrap;
  gap: 8px;
  font-family: "Google Sans", Roboto, "Segoe UI", system-ui, -apple-system, Arial, sans-serif;
  font-size: 13px;
  line-height: 18px;
  color: #202124;
  -webkit-font-smoothing: antialiased;
}
.ssm-button {
  box-sizing: border-box;
  display: inline-flex;
  align-items: center;
  gap: 8px;
  height: 32px;
  margin: 0;
  padding: 0 14px 0 10px;
  border: 1px solid #1a73e8;
  border-radius: 6px;
  background: #1a73e8;
  color: #ffffff;
  font: inherit;
  font-weight: 500;
  letter-spacing: 0.1px;
  white-space: nowrap;
  cursor: pointer;
  transition: background-color 120ms ease, box-shadow 120ms ease;
}
.ssm-button:hover { background: #1765cc; border-color: #1765cc; box-shadow: 0 1px 2px rgba(60, 64, 67, 0.3); }
.ssm-button:active { background: #185abc; }
.ssm-button:focus { outline: none; }
.ssm-button:focus-visible { box-shadow: 0 0 0 2px #ffffff, 0 0 0 4px #1a73e8; }
.ssm-button[data-state="open"] { background: #ffffff; color: #1a73e8; }
.ssm-button[data-state="open"]:hover { background: #f1f6fe; }
.ssm-button[data-state="open"]:active { background: #e3edfd; }
.ssm-button[aria-disabled="true"] { cursor: progress; opacity: 0.85; }
.ssm-icon { width: 18px; height: 18px; flex: none; display: block; }
/* Signed out: a quiet control that does not compete with the page, still a real, focusable button. */
.ssm-quiet {
  box-sizing: border-box;
  display: inline-flex;
  align-items: center;
  gap: 6px;
  height: 28px;
  margin: 0;
  padding: 0 10px 0 8px;
  border: 1px solid #dadce0;
  border-radius: 6px;
  background: transparent;
  color: #5f6368;
  font: inherit;
  font-size: 12px;
  white-space: nowrap;
  cursor: pointer;
  transition: background-color 120ms ease, color 120ms ease, border-color 120ms ease;
}
.ssm-quiet .ssm-icon { width: 16px; height: 16px; }
.ssm-quiet:hover { color: #1a73e8; border-color: #aecbfa; background: #f1f6fe; }
.ssm-quiet:active { background: #e3edfd; }
.ssm-quiet:focus { outline: none; }
.ssm-quiet:focus-visible { color: #1a73e8; box-shadow: 0 0 0 2px #ffffff, 0 0 0 4px #1a73e8; }
.ssm-live { width: 8px; height: 8px; border-radius: 50%; background: #1e8e3e; flex: none; }
.ssm-spinner {
  box-sizing: border-box;
  width: 16px;
  height: 16px;
  margin: 1px;
  border: 2px solid rgba(255, 255, 255, 0.45);
  border-top-color: #ffffff;
  border-radius: 50%;
  animation: ssm-spin 0.8s linear infinite;
}
@keyframes ssm-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .ssm-spinner { animation-duration: 2.4s; } }
.ssm-call {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  max-width: 420px;
  color: #3c4043;
  font-size: 12px;
  line-height: 16px;
}
.ssm-call::before {
  content: "";
  width: 8px;
  height: 8px;
  border-radius: 50%;
  flex: none;
  background: #9aa0a6;
}
.ssm-call-pending::before { background: #1a73e8; }
.ssm-call-success::before { background: #1e8e3e; }
.ssm-call-warning::before { background: #f9ab00; }
.ssm-call-error { color: #a50e0e; }
.ssm-call-error::before { background: #d93025; }
.ssm-note {
  display: inline-flex;
  align-items: center;
  gap: 6px;
  max-width: 420px;
  margin: 0;
  padding: 5px 10px;
  border-radius: 6px;
  font-size: 12px;
  line-height: 16px;
}
.ssm-note[hidden] { display: none; }
.ssm-note-warning { background: #fef7e0; color: #5c4100; border: 1px solid #f9d67a; }
.ssm-note-error { background: #fce8e6; color: #8c1d18; border: 1px solid #f6aea9; }
.ssm-visually-hidden {
  position: absolute;
  width: 1px;
  height: 1px;
  padding: 0;
  margin: -1px;
  overflow: hidden;
  clip: rect(0, 0, 0, 0);
  white-space: nowrap;
  border: 0;
}
`;
