/**
 * The emulated Meet room a Meet link opens (`/meet/{code}`). The demo has no customer's phone, so the page lets whoever
 * opened it stand in for the customer: **Join as the customer** and **Leave** call the emulator's own Meet controls
 * (`/__emulator/meet/join` / `leave`), which the backend then sees as Meet sees a real join, and the solver's side
 * panel follows ("Customer in the call", "Customer left").
 */
export function meetRoomPage(code: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Meet ${code}</title>
<style>
body{font:15px system-ui;margin:0;background:#202124;color:#e8eaed;display:grid;place-items:center;min-height:100vh}
main{max-width:34rem;padding:2rem;text-align:center}
h1{font-size:1.4rem;font-weight:500}
p{color:#bdc1c6;line-height:1.5}
button{font:inherit;border:0;border-radius:999px;padding:.6rem 1.4rem;margin:.3rem;cursor:pointer}
#join{background:#8ab4f8;color:#202124}
#leave{background:#f28b82;color:#202124}
button:disabled{opacity:.45;cursor:default}
[role=status]{min-height:1.5em;margin-top:1rem;color:#e8eaed}
</style></head>
<body><main>
<h1>Emulated Meet room ${code}</h1>
<p>This stands in for Google Meet on this machine. In a real call the customer joins from the link in their SMS;
here, join for them to see the solver's side panel follow the call.</p>
<button id="join" type="button">Join as the customer</button>
<button id="leave" type="button" disabled>Leave</button>
<p role="status" id="state">The customer is not in the call.</p>
</main>
<script>
const code = ${JSON.stringify(code)};
const participant = { kind: 'anonymous', displayName: 'Customer' };
const join = document.getElementById('join');
const leave = document.getElementById('leave');
const state = document.getElementById('state');
async function control(action, inCall, text) {
  join.disabled = leave.disabled = true;
  const response = await fetch('/__emulator/meet/' + action, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ meetingCode: code, participant }),
  }).catch((error) => ({ ok: false, statusText: String(error) }));
  if (response.ok) state.textContent = text;
  else state.textContent = 'That did not work (' + (response.status ?? '') + ' ' + response.statusText + '). Try again.';
  const nowIn = response.ok ? inCall : !inCall;
  join.disabled = nowIn;
  leave.disabled = !nowIn;
}
join.addEventListener('click', () => control('join', true, 'You are in the call as the customer.'));
leave.addEventListener('click', () => control('leave', false, 'The customer left the call.'));
</script>
</body></html>`;
}
